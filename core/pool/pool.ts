/**
 * The offload pool, written once for every runtime: queueing, dispatch,
 * cancellation, timeouts, crash replacement, close and stats. An adapter
 * supplies only `spawnWorker` (how its runtime starts a worker) and the URL of
 * its worker entry (which runs {@link hostTasks} on its side).
 *
 * Hot path, per task: one message each way, a task object and its promise;
 * the abort listener is the task itself (`handleEvent`) and the timeout
 * timer passes the task as an argument, so no closure is made per task.
 *
 * @module
 */

import { TriloopError } from "../errors.ts";
import type {
  Pool,
  PoolOptions,
  PoolStats,
  RunOptions,
  SpawnOptions,
  TaskModule,
  WorkerExit,
  WorkerHandle,
  WorkerHandler,
} from "../types.ts";
import { DURATIONS_MS, Histogram } from "../_shared/histogram.ts";
import { FAIL, type FromWorker, LOAD_FAILED, OK, READY } from "./protocol.ts";
import { RingQueue } from "./queue.ts";
import { fromWire } from "../_shared/wire-error.ts";

/** How an adapter starts a worker: `Runtime.spawnWorker`. */
export type SpawnWorker = <S>(url: URL, handler: WorkerHandler<S>, options?: SpawnOptions) => WorkerHandle<S>;

/** What an adapter gives the pool. */
export interface PoolRuntime {
  spawnWorker: SpawnWorker;
  /** The adapter's worker entry: a module that runs `hostTasks` with its `parentPort()`. */
  entry: URL;
  /** Logical cores of this machine, for the default size. */
  cores: number;
}

/** The default pool size: what is left of the cores once every loop has one. */
export function defaultPoolSize(cores: number, loops = 1): number {
  return Math.max(1, Math.floor(cores) - Math.max(1, Math.floor(loops)));
}

/** Creates a pool on `rt` (see {@link Pool} for its invariants). */
export function createPoolOn<T extends object = TaskModule>(rt: PoolRuntime, options: PoolOptions): Pool<T> {
  return new WorkerPool(rt, options) as unknown as Pool<T>;
}

// Worker slot states.
const STARTING = 0; // spawned, module loading
const IDLE = 1;
const BUSY = 2;
const DEAD = 3; // terminated by the pool, or gone; waiting for `exit`

/** One worker of the pool. */
class Slot {
  state = STARTING;
  /** The module loaded (READY came): a death now is a crash, not a load failure. */
  ready = false;
  /** The pool terminated it: its exit is expected. */
  killed = false;
  task: Task | undefined;
  handle!: WorkerHandle<Slot>;
  constructor(readonly pool: WorkerPool) {}
}

/** The static handler of every pool worker; per-worker state is the {@link Slot}. */
const SLOT_HANDLER: WorkerHandler<Slot> = {
  message(worker, data) {
    worker.state.pool.onMessage(worker.state, data as FromWorker);
  },
  exit(worker, info) {
    worker.state.pool.onExit(worker.state, info);
  },
};

/** One call of `run`. It is its own abort listener (`handleEvent`). */
class Task {
  resolve!: (value: unknown) => void;
  reject!: (err: unknown) => void;
  slot: Slot | undefined;
  startedAt = 0;
  timer: ReturnType<typeof setTimeout> | undefined;
  settled = false;
  constructor(
    readonly pool: WorkerPool,
    readonly id: number,
    readonly name: string,
    public input: unknown,
    public transfer: Transferable[] | undefined,
    readonly timeoutMs: number,
    readonly signal: AbortSignal | undefined,
  ) {}
  handleEvent(): void {
    this.pool.onAbort(this);
  }
}

function onTaskTimeout(task: Task): void {
  task.pool.onTimeout(task);
}

class WorkerPool implements Pool<TaskModule> {
  readonly size: number;
  #rt: PoolRuntime;
  #href: string;
  #maxQueue: number;
  #timeoutMs: number;
  #onError: (err: unknown) => void;
  #slots = new Set<Slot>();
  /** Ready workers with no task; the most recently used is reused first (warm caches). */
  #idle: Slot[] = [];
  #queue = new RingQueue<Task>();
  #nextId = 0;
  #spawned = 0;
  /** False after a worker failed to load the module, until one loads it: spawn only for waiting work. */
  #healthy = true;
  #closing = false;
  #cancelled = false;
  #closed: Promise<void> | undefined;
  #resolveClosed: (() => void) | undefined;
  #times = new Histogram(DURATIONS_MS);
  #done = 0;
  #failed = 0;
  #timedOut = 0;
  #aborted = 0;
  #rejectedFull = 0;

  constructor(rt: PoolRuntime, options: PoolOptions) {
    this.#rt = rt;
    this.#href = tasksHref(options?.tasks);
    this.size = options.size === undefined
      ? defaultPoolSize(rt.cores, options.loops)
      : integer(options.size, 1, "size");
    this.#maxQueue = options.maxQueue === undefined ? 1024 : integer(options.maxQueue, 0, "maxQueue");
    this.#timeoutMs = options.timeoutMs === undefined ? 0 : nonNegative(options.timeoutMs, "timeoutMs");
    this.#onError = options.onError ?? defaultOnError;
    this.#fill();
  }

  run(name: string, input?: unknown, options?: RunOptions): Promise<never> {
    if (this.#closing) return Promise.reject(new TriloopError("TRI_ERR_POOL_CLOSED"));
    if (typeof name !== "string") {
      return Promise.reject(
        new TriloopError("TRI_ERR_INVALID_ARG", `The task name must be a string, got ${typeof name}`),
      );
    }
    const signal = options?.signal;
    if (signal !== undefined && typeof signal?.addEventListener !== "function") {
      return Promise.reject(new TriloopError("TRI_ERR_INVALID_ARG", "signal must be an AbortSignal"));
    }
    if (signal?.aborted) {
      this.#aborted++;
      return Promise.reject(abortError(name, signal));
    }
    let timeoutMs = this.#timeoutMs;
    if (options?.timeoutMs !== undefined) {
      timeoutMs = options.timeoutMs;
      if (!(timeoutMs >= 0)) {
        return Promise.reject(
          new TriloopError("TRI_ERR_INVALID_ARG", `timeoutMs must be a number >= 0, got '${timeoutMs}'`),
        );
      }
    }
    const slot = this.#idle.pop();
    if (slot === undefined && this.#queue.length >= this.#maxQueue) {
      this.#rejectedFull++;
      return Promise.reject(
        new TriloopError("TRI_ERR_POOL_FULL", `The pool queue is full (${this.#maxQueue} waiting)`),
      );
    }
    const task = new Task(this, ++this.#nextId, name, input, options?.transfer, timeoutMs, signal);
    const promise = new Promise<never>((resolve, reject) => {
      task.resolve = resolve as (value: unknown) => void;
      task.reject = reject;
    });
    if (slot !== undefined) {
      if (!this.#start(slot, task)) {
        this.#idle.push(slot);
        return promise;
      }
    } else {
      if (task.transfer !== undefined && task.transfer.length > 0 && !detachNow(task)) return promise;
      this.#queue.push(task);
      this.#fill();
    }
    signal?.addEventListener("abort", task);
    return promise;
  }

  stats(): PoolStats {
    let busy = 0;
    for (const slot of this.#slots) if (slot.state === BUSY) busy++;
    return {
      size: this.size,
      live: this.#slots.size,
      starting: this.#starting(),
      busy,
      queued: this.#queue.length,
      done: this.#done,
      failed: this.#failed,
      timedOut: this.#timedOut,
      aborted: this.#aborted,
      rejectedFull: this.#rejectedFull,
      restarts: Math.max(0, this.#spawned - this.size),
      meanMs: this.#times.mean,
      p99Ms: this.#times.quantile(0.99),
    };
  }

  close(options?: { mode?: "drain" | "cancel" }): Promise<void> {
    const mode = options?.mode ?? "drain";
    if (mode !== "drain" && mode !== "cancel") {
      return Promise.reject(
        new TriloopError("TRI_ERR_INVALID_ARG", `close mode must be "drain" or "cancel", got '${mode}'`),
      );
    }
    if (!this.#closing) {
      this.#closing = true;
      this.#closed = new Promise((resolve) => (this.#resolveClosed = resolve));
    }
    if (mode === "cancel" && !this.#cancelled) {
      this.#cancelled = true;
      for (const task of this.#queue.drain()) this.#settle(task, closedError(task), false);
      for (const slot of [...this.#slots]) {
        const task = slot.task;
        slot.task = undefined;
        if (task !== undefined) this.#settle(task, closedError(task), false);
        this.#kill(slot);
      }
    }
    this.#endIdle();
    this.#maybeClosed();
    return this.#closed!;
  }

  // ---- events (called by the static handlers above) ----

  /** @internal */
  onMessage(slot: Slot, msg: FromWorker): void {
    if (slot.state === DEAD) return; // a late answer from a worker we already ended
    const kind = msg[1];
    if (msg[0] === 0) {
      if (kind === READY && slot.state === STARTING) {
        slot.ready = true;
        this.#healthy = true;
        this.#release(slot);
        this.#fill();
      } else if (kind === LOAD_FAILED) {
        this.#kill(slot);
        this.#loadFailed(fromWire(msg[2]));
      }
      return;
    }
    const task = slot.task;
    if (task === undefined || task.id !== msg[0]) return;
    slot.task = undefined;
    if (kind === OK) {
      this.#done++;
      this.#settle(task, msg[2], true);
    } else if (kind === FAIL) {
      this.#failed++;
      this.#settle(task, fromWire(msg[2]), false);
    }
    this.#release(slot);
  }

  /** @internal */
  onExit(slot: Slot, info: WorkerExit): void {
    slot.state = DEAD;
    this.#slots.delete(slot);
    removeFrom(this.#idle, slot);
    const task = slot.task;
    slot.task = undefined;
    if (task !== undefined) {
      this.#failed++;
      this.#settle(task, diedError(task.name, info), false);
    } else if (!slot.ready && !slot.killed) {
      this.#loadFailed(
        info.error ?? new Error(`The worker exited while loading ${this.#href}${codeOf(info)}`),
      );
    } else if (!slot.killed) {
      this.#onError(diedError(undefined, info));
    }
    this.#fill();
    this.#endIdle();
    this.#maybeClosed();
  }

  /** @internal */
  onAbort(task: Task): void {
    if (task.settled) return;
    this.#aborted++;
    const slot = task.slot;
    if (slot === undefined) {
      this.#queue.remove(task);
      this.#settle(task, abortError(task.name, task.signal!), false);
      this.#endIdle();
      this.#maybeClosed();
      return;
    }
    slot.task = undefined;
    this.#settle(task, abortError(task.name, task.signal!), false);
    this.#kill(slot); // its exit spawns the replacement
  }

  /** @internal */
  onTimeout(task: Task): void {
    const slot = task.slot;
    if (task.settled || slot === undefined) return;
    task.timer = undefined;
    this.#timedOut++;
    slot.task = undefined;
    this.#settle(
      task,
      new TriloopError(
        "TRI_ERR_POOL_TIMEOUT",
        `Task "${task.name}" ran longer than ${task.timeoutMs} ms; its worker was replaced`,
      ),
      false,
    );
    this.#kill(slot);
  }

  // ---- internals ----

  /**
   * Posts `task` to the idle `slot`; false (and the task rejected) if its
   * input cannot be sent, in which case the caller still owns the idle slot.
   */
  #start(slot: Slot, task: Task): boolean {
    try {
      slot.handle.post([task.id, task.name, task.input], task.transfer);
    } catch (err) {
      // Nothing was sent (DataCloneError): the task fails, the worker stays idle.
      this.#failed++;
      this.#settle(task, err, false);
      return false;
    }
    slot.state = BUSY;
    slot.task = task;
    task.slot = slot;
    task.input = undefined;
    task.transfer = undefined;
    task.startedAt = performance.now();
    if (task.timeoutMs > 0) task.timer = setTimeout(onTaskTimeout, task.timeoutMs, task);
    return true;
  }

  /** `slot` has no task: give it the next waiting one, or mark it idle. */
  #release(slot: Slot): void {
    slot.state = IDLE;
    for (let task = this.#queue.shift(); task !== undefined; task = this.#queue.shift()) {
      if (this.#start(slot, task)) return;
    }
    this.#idle.push(slot);
    this.#endIdle();
    this.#maybeClosed();
  }

  #settle(task: Task, value: unknown, ok: boolean): void {
    if (task.settled) return;
    task.settled = true;
    if (task.timer !== undefined) clearTimeout(task.timer);
    task.signal?.removeEventListener("abort", task);
    if (task.startedAt > 0) this.#times.record(performance.now() - task.startedAt);
    task.slot = undefined;
    task.input = undefined;
    if (ok) task.resolve(value);
    else task.reject(value);
  }

  /** Spawns workers up to the size; after a load failure, only one at a time and only for waiting work. */
  #fill(): void {
    if (this.#cancelled || (this.#closing && this.#queue.length === 0)) return;
    while (this.#slots.size < this.size) {
      if (!this.#healthy && (this.#queue.length === 0 || this.#starting() > 0)) return;
      const slot = new Slot(this);
      this.#spawned++;
      try {
        slot.handle = this.#rt.spawnWorker(this.#rt.entry, SLOT_HANDLER, {
          name: `triloop-pool-${this.#spawned}`,
        });
      } catch (err) {
        this.#loadFailed(err);
        return;
      }
      slot.handle.state = slot;
      this.#slots.add(slot);
      slot.handle.post([0, this.#href]);
    }
  }

  #starting(): number {
    let n = 0;
    for (const slot of this.#slots) if (slot.state === STARTING) n++;
    return n;
  }

  /** No worker could load the tasks module: nothing waiting can run, so it all rejects now. */
  #loadFailed(error: unknown): void {
    this.#healthy = false;
    for (const slot of this.#slots) if (slot.ready && slot.state !== DEAD) return;
    for (const task of this.#queue.drain()) {
      this.#failed++;
      this.#settle(
        task,
        new TriloopError(
          "TRI_ERR_POOL_WORKER_DIED",
          `No worker could load the tasks module ${this.#href} to run "${task.name}"`,
          { cause: error },
        ),
        false,
      );
    }
  }

  #kill(slot: Slot): void {
    if (slot.state === DEAD) return;
    slot.state = DEAD;
    slot.killed = true;
    removeFrom(this.#idle, slot);
    slot.handle.terminate();
  }

  /** While draining with nothing left to wait for, idle and starting workers end. */
  #endIdle(): void {
    if (!this.#closing || this.#queue.length > 0) return;
    for (const slot of this.#slots) if (slot.state !== BUSY) this.#kill(slot);
  }

  #maybeClosed(): void {
    if (this.#closing && this.#slots.size === 0) this.#resolveClosed?.();
  }
}

/**
 * Moves a queued task's buffers out of the caller now (PL3), by cloning the
 * input with them transferred; the clone's own copy of the transfer list
 * names the moved buffers for the later `postMessage`.
 */
function detachNow(task: Task): boolean {
  try {
    const moved = structuredClone([task.input, task.transfer], { transfer: task.transfer });
    task.input = moved[0];
    task.transfer = moved[1] as Transferable[];
    return true;
  } catch (err) {
    task.settled = true;
    task.reject(err);
    return false;
  }
}

function tasksHref(tasks: URL | string | undefined): string {
  if (tasks instanceof URL) return tasks.href;
  if (typeof tasks === "string") {
    if (tasks.startsWith("/")) return new URL(`file://${tasks}`).href;
    if (/^[a-z][a-z0-9+.-]*:/i.test(tasks)) return new URL(tasks).href;
  }
  throw new TriloopError(
    "TRI_ERR_INVALID_ARG",
    `'tasks' must be a URL or an absolute path, got '${
      String(tasks)
    }' (try new URL("./tasks.ts", import.meta.url))`,
  );
}

function integer(value: number, min: number, what: string): number {
  if (!Number.isInteger(value) || value < min) {
    throw new TriloopError("TRI_ERR_INVALID_ARG", `${what} must be an integer >= ${min}, got '${value}'`);
  }
  return value;
}

function nonNegative(value: number, what: string): number {
  if (!(value >= 0)) {
    throw new TriloopError("TRI_ERR_INVALID_ARG", `${what} must be a number >= 0, got '${value}'`);
  }
  return value;
}

function abortError(name: string, signal: AbortSignal): TriloopError {
  return new TriloopError("TRI_ERR_POOL_ABORTED", `Task "${name}" was aborted`, { cause: signal.reason });
}

function closedError(task: Task): TriloopError {
  return new TriloopError("TRI_ERR_POOL_CLOSED", `The pool closed before task "${task.name}" finished`);
}

function diedError(name: string | undefined, info: WorkerExit): TriloopError {
  const what = name === undefined ? "A pool worker died between tasks" : `The worker running "${name}" died`;
  const why = info.error instanceof Error ? `: ${info.error.message}` : codeOf(info);
  return new TriloopError("TRI_ERR_POOL_WORKER_DIED", what + why, { cause: info.error });
}

function codeOf(info: WorkerExit): string {
  return info.code === undefined ? "" : ` (exit code ${info.code})`;
}

function removeFrom(list: Slot[], slot: Slot): void {
  const i = list.indexOf(slot);
  if (i >= 0) list.splice(i, 1);
}

function defaultOnError(err: unknown): void {
  console.error("triloop pool:", err);
}
