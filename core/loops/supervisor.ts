/**
 * The supervisor: starts n loop hosts, keeps them alive, closes them
 * together (the {@link Supervisor} contract, LP1–LP9). Runtime-neutral: a
 * runtime only says how to start a loop host ({@link LoopHosts}); everything
 * here is policy, timers and messages, and runs the same everywhere.
 *
 * @module
 */

import { TriloopError } from "../errors.ts";
import type {
  LoopHosts,
  LoopPlan,
  LoopsStats,
  LoopState,
  LoopStatus,
  ServerTls,
  ShutdownReport,
  SupervisedStats,
  Supervisor,
  WorkerExit,
  WorkerHandle,
  WorkerHandler,
} from "../types.ts";
import { fromWire } from "../_shared/wire-error.ts";
import { resolveTls } from "../tls.ts";
import { addCounters, type Counters, mergeReports, retire } from "./aggregate.ts";
import { CrashWindow, type RespawnPolicy } from "./policy.ts";
import { type FromLoop, isFromLoop, type LoopConfig, type LoopCounters } from "./protocol.ts";

/** What every loop gets as the supervisor got it (see {@link LoopConfig}). */
type PassedOn =
  | "count"
  | "module"
  | "mode"
  | "hostname"
  | "port"
  | "fallback"
  | "engine"
  | "tls"
  | "deploy"
  | "statsIntervalMs";

/**
 * Options of {@link startSupervisor}, resolved: what the loops get as is (an
 * address left undefined is the first loop's to find), and how to run and
 * watch them.
 */
export interface SupervisorOptions extends Pick<LoopConfig, PassedOn> {
  hosts: LoopHosts;
  plan: LoopPlan;
  /** Let other processes' SO_REUSEPORT sockets share the port: skip the claim (LP11). Default false. */
  shared?: boolean;
  respawn: RespawnPolicy;
  log: (line: string) => void;
  /** A loop not ready after this long is ended (and counts as a death). Default 30 s. */
  startTimeoutMs?: number;
  /** What `close` waits past `graceMs` for loops to report before ending them (LP8). Default 1000. */
  closeMarginMs?: number;
}

/** One loop slot: an id that outlives the loops that fill it (LP3). */
class Slot {
  state: LoopState = "starting";
  restarts = 0;
  handle: WorkerHandle<Slot> | undefined;
  latest: LoopCounters | undefined;
  report: ShutdownReport | undefined;
  lastExit: LoopStatus["lastExit"];
  /** Time this slot's loops spent ready, in ms: the crash window's clock. */
  uptime = 0;
  readyAt: number | undefined;
  /** The error a host reported before it was ended (`failed`). */
  failure: unknown;
  timer: ReturnType<typeof setTimeout> | undefined;
  /** Ended by the close deadline or a forced close (its open connections are counted then). */
  terminated = false;
  /** Resolved by the next `stats` message (collectStats). */
  statsWaiters: Array<() => void> = [];
  readonly window: CrashWindow;
  constructor(readonly sup: LoopSupervisor, readonly id: number, policy: RespawnPolicy) {
    this.window = new CrashWindow(policy);
  }
}

/** The one handler of every loop host: the slot rides on `worker.state`. */
const loopHandler: WorkerHandler<Slot> = {
  message(worker, data) {
    if (worker === worker.state.handle && isFromLoop(data)) worker.state.sup.onMessage(worker.state, data);
  },
  exit(worker, info) {
    if (worker === worker.state.handle) worker.state.sup.onExit(worker.state, info);
  },
};

/**
 * Starts the loops and resolves once every one is ready or given up (LP2);
 * rejects with `TRI_ERR_LOOP_START` if the first loop fails (LP6).
 */
export async function startSupervisor(options: SupervisorOptions): Promise<Supervisor> {
  const sup = new LoopSupervisor(options);
  await sup.start();
  return sup;
}

class LoopSupervisor implements Supervisor {
  kind: "http" | "tcp" = "http";
  engine: "kernel" | "native" | undefined;
  readonly plan: LoopPlan;
  readonly ended: Promise<void>;
  readonly #o: SupervisorOptions;
  /** The certificates loops start with: the options', then the latest reload's. */
  #tls: ServerTls | undefined;
  readonly #slots: Slot[] = [];
  /** Undefined until known: asked for, or resolved by the first loop. */
  #hostname: string | undefined;
  #port: number | undefined;
  /** Counters of loops that died, gauges zeroed (LP9). */
  #retired: Counters = {};
  #everReady = false;
  #startFailed: ((err: unknown) => void) | undefined;
  #started: (() => void) | undefined;
  #ended!: () => void;
  #closing: Promise<ShutdownReport> | undefined;
  #closed: (() => void) | undefined;
  #closeStarted = 0;
  /** Open connections of loops ended at the close deadline (LP8). */
  #terminatedOpen = 0;
  #terminatedAny = false;

  constructor(options: SupervisorOptions) {
    this.#o = options;
    this.#tls = options.tls;
    this.plan = options.plan;
    this.#hostname = options.hostname;
    this.#port = options.port;
    this.ended = new Promise((r) => (this.#ended = r));
    for (let id = 0; id < options.count; id++) this.#slots.push(new Slot(this, id, options.respawn));
  }

  get hostname(): string {
    return this.#hostname ?? this.#o.fallback?.hostname ?? "127.0.0.1";
  }

  get port(): number {
    return this.#port ?? 0;
  }

  async start(): Promise<void> {
    const o = this.#o;
    if (o.plan.balance === "round-robin" && this.#port === 0) {
      this.#port = await o.hosts.reservePort(this.hostname);
    }
    // The first loop alone: with reuse-port it resolves port 0 for the others (LP1).
    await this.#startAll([this.#slots[0]]);
    await this.#startAll(this.#slots.slice(1));
  }

  #startAll(slots: Slot[]): Promise<void> {
    if (slots.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.#started = () => {
        if (slots.every((s) => s.state !== "starting" && s.state !== "backoff")) resolve();
      };
      this.#startFailed = reject;
      for (const slot of slots) this.#spawn(slot);
    }).finally(() => {
      this.#started = undefined;
      this.#startFailed = undefined;
    });
  }

  #spawn(slot: Slot): void {
    slot.timer = undefined;
    slot.state = "starting";
    slot.failure = undefined;
    const handle = this.#o.hosts.spawn(this.plan, loopHandler, `triloop loop ${slot.id}`);
    handle.state = slot;
    slot.handle = handle;
    slot.timer = setTimeout(startTimedOut, this.#o.startTimeoutMs ?? 30_000, slot);
  }

  onMessage(slot: Slot, msg: FromLoop): void {
    switch (msg.t) {
      case "hello":
        if (this.#closing !== undefined) return slot.handle!.terminate();
        slot.handle!.post({ t: "start", config: this.#config(slot) });
        return;
      case "ready":
        clearTimeout(slot.timer);
        slot.timer = undefined;
        slot.state = "ready";
        slot.readyAt = performance.now();
        if (!this.#everReady) {
          this.#everReady = true;
          this.#hostname = msg.hostname;
          this.#port = msg.port;
          this.kind = msg.kind;
          this.engine = msg.engine;
        }
        if (slot.restarts > 0) this.#o.log(`triloop: loop ${slot.id} is back (restart ${slot.restarts})`);
        if (this.#closing !== undefined) slot.handle!.post({ t: "close", graceMs: 0 });
        this.#started?.();
        return;
      case "failed":
        slot.failure = fromWire(msg.error);
        slot.handle!.terminate();
        return;
      case "stats":
        slot.latest = msg.stats;
        for (const w of slot.statsWaiters.splice(0)) w();
        return;
      case "closed":
        slot.report = msg.report;
        slot.latest = msg.stats;
        slot.handle!.terminate();
        return;
      case "publish":
        // WS8: to every other loop that serves, in the order this loop sent them.
        for (const other of this.#slots) {
          if (other !== slot && (other.state === "ready" || other.state === "closing")) {
            other.handle?.post(msg);
          }
        }
        return;
    }
  }

  onExit(slot: Slot, info: WorkerExit): void {
    clearTimeout(slot.timer);
    slot.timer = undefined;
    slot.handle = undefined;
    if (slot.readyAt !== undefined) slot.uptime += performance.now() - slot.readyAt;
    slot.readyAt = undefined;
    for (const w of slot.statsWaiters.splice(0)) w();
    const latest = slot.latest;
    if (latest !== undefined) addCounters(this.#retired, retire(latest));
    slot.latest = undefined;
    const error = slot.failure ?? info.error;
    if (this.#closing !== undefined) {
      // A loop that died while draining (not ended by the deadline) lost what it held.
      if (slot.state === "closing" && slot.report === undefined && !slot.terminated) {
        this.#terminatedAny = true;
        this.#terminatedOpen += openConnections(latest);
      }
      slot.state = "closed";
      this.#closed?.();
      return;
    }
    if (!this.#everReady) {
      // LP6: the app cannot start; respawning would only repeat the failure.
      slot.state = "closed";
      this.#startFailed?.(startError(slot.id, info.code, error));
      this.#endAll();
      return;
    }
    slot.lastExit = { code: info.code, error: error === undefined ? undefined : String(error) };
    // The window runs on the slot's uptime, not the wall clock: a loop that is
    // slow to start (a Node process compiling TypeScript takes seconds) and
    // dies soon after is a crash loop however long its starts and backoffs take.
    const verdict = slot.window.record(slot.uptime);
    const why = describeExit(info.code, error);
    if (verdict.action === "respawn") {
      slot.state = "backoff";
      this.#o.log(`triloop: loop ${slot.id} died (${why}); respawning in ${verdict.delayMs} ms`);
      slot.restarts++;
      slot.timer = setTimeout(respawnLater, verdict.delayMs, slot);
      return;
    }
    slot.state = "crash-loop";
    this.#o.log(
      `triloop: loop ${slot.id} is crash-looping (${verdict.deaths} deaths within ` +
        `${verdict.windowMs / 1000} s of serving); not respawning it. Last death: ${why}`,
    );
    this.#started?.();
    if (this.#slots.every((s) => s.state === "crash-loop")) {
      this.#o.log(`triloop: every loop is crash-looping; the server is down`);
      this.#ended();
    }
  }

  /** @internal */
  respawn(slot: Slot): void {
    if (this.#closing === undefined && slot.state === "backoff") this.#spawn(slot);
  }

  /** @internal A loop that never got ready is ended; its exit counts as a death. */
  startTimedOut(slot: Slot): void {
    slot.timer = undefined;
    slot.failure ??= new Error(`not ready after ${this.#o.startTimeoutMs ?? 30_000} ms`);
    slot.handle?.terminate();
  }

  #config(slot: Slot): LoopConfig {
    const o = this.#o;
    return {
      id: slot.id,
      count: o.count,
      module: o.module,
      mode: o.mode,
      hostname: this.#hostname,
      port: this.#port,
      fallback: o.fallback,
      reusePort: this.plan.balance === "reuse-port",
      // LP11: whichever loop binds while none of ours holds the port claims it first.
      claim: this.plan.balance === "reuse-port" && o.shared !== true &&
        !this.#slots.some((s) => s !== slot && (s.state === "ready" || s.state === "closing")),
      engine: o.engine,
      tls: this.#tls,
      deploy: o.deploy,
      statsIntervalMs: o.statsIntervalMs,
    };
  }

  stats(): SupervisedStats {
    const sum = structuredClone(this.#retired);
    for (const slot of this.#slots) {
      if (slot.latest !== undefined) addCounters(sum, slot.latest);
    }
    const loops: LoopsStats = {
      count: this.#slots.length,
      live: this.#slots.filter((s) => s.state === "ready").length,
      restarts: this.#slots.reduce((n, s) => n + s.restarts, 0),
      crashLooping: this.#slots.filter((s) => s.state === "crash-loop").map((s) => s.id),
      host: this.plan.host,
      balance: this.plan.balance,
      perLoop: this.#slots.map((s) => ({
        id: s.id,
        state: s.state,
        restarts: s.restarts,
        stats: s.latest === undefined ? undefined : structuredClone(s.latest),
        lastExit: s.lastExit,
      })),
    };
    return { ...(sum as unknown as SupervisedStats), loops };
  }

  /**
   * TL6 across loops: every live loop serves `tls` from its next handshake,
   * and loops started later get it too. A loop whose runtime cannot load it
   * keeps its old certificates and logs why.
   */
  reloadTls(tls: ServerTls): Promise<void> {
    try {
      resolveTls(tls);
    } catch (err) {
      return Promise.reject(err);
    }
    this.#tls = tls;
    for (const slot of this.#slots) {
      if (slot.state === "ready") slot.handle?.post({ t: "tls", tls });
    }
    return Promise.resolve();
  }

  async collectStats(): Promise<SupervisedStats> {
    const asked: Promise<void>[] = [];
    for (const slot of this.#slots) {
      if (slot.state !== "ready" || slot.handle === undefined) continue;
      asked.push(new Promise<void>((r) => slot.statsWaiters.push(r)));
      slot.handle.post({ t: "stats" });
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([Promise.all(asked), new Promise((r) => (timer = setTimeout(r, 1_000)))]);
    clearTimeout(timer);
    return this.stats();
  }

  close(
    { graceMs = 10_000, drainDelayMs = 0 }: { graceMs?: number; drainDelayMs?: number } = {},
  ): Promise<ShutdownReport> {
    if (this.#closing !== undefined) {
      if (graceMs <= 0) this.#terminateAll();
      return this.#closing;
    }
    this.#closing = this.#close(graceMs, drainDelayMs);
    return this.#closing;
  }

  async #close(graceMs: number, drainDelayMs: number): Promise<ShutdownReport> {
    this.#closeStarted = performance.now();
    const all = new Promise<void>((resolve) => {
      this.#closed = () => {
        if (this.#slots.every((s) => s.handle === undefined)) resolve();
      };
    });
    for (const slot of this.#slots) {
      clearTimeout(slot.timer);
      slot.timer = undefined;
      if (slot.handle === undefined) slot.state = "closed";
      else if (slot.state === "ready") {
        slot.state = "closing";
        slot.handle.post({ t: "close", graceMs, drainDelayMs });
      } else slot.handle.terminate(); // still starting: it holds no connection yet
    }
    this.#startFailed?.(
      new TriloopError("TRI_ERR_LOOP_START", "The server was closed while its loops started"),
    );
    this.#closed!();
    const deadline = setTimeout(
      () => this.#terminateAll(),
      drainDelayMs + graceMs + (this.#o.closeMarginMs ?? 1_000),
    );
    await all;
    clearTimeout(deadline);
    const reports = this.#slots.flatMap((s) => (s.report === undefined ? [] : [s.report]));
    const report = mergeReports(reports, performance.now() - this.#closeStarted, this.#terminatedOpen);
    if (this.#terminatedAny) return { ...report, outcome: "forced" };
    return report;
  }

  /** LP8: ends every loop that has not reported, counting its open connections as forced. */
  #terminateAll(): void {
    for (const slot of this.#slots) {
      if (slot.handle === undefined || slot.report !== undefined) continue;
      this.#terminatedAny = true;
      this.#terminatedOpen += openConnections(slot.latest);
      slot.terminated = true;
      slot.handle.terminate();
    }
  }

  #endAll(): void {
    for (const slot of this.#slots) {
      clearTimeout(slot.timer);
      slot.timer = undefined;
      slot.handle?.terminate();
    }
  }
}

function respawnLater(slot: Slot): void {
  slot.sup.respawn(slot);
}

function startTimedOut(slot: Slot): void {
  slot.sup.startTimedOut(slot);
}

/**
 * Why start failed (LP6): a loop that could not listen fails it as one
 * server would, with its own `TRI_ERR_LISTEN_FAILED` (rebuilt: it crossed
 * the channel as a plain object); anything else is `TRI_ERR_LOOP_START`.
 */
function startError(id: number, code: number | undefined, error: unknown): TriloopError {
  const e = error as { code?: unknown; message?: unknown; cause?: unknown } | undefined;
  if (e?.code === "TRI_ERR_LISTEN_FAILED" && typeof e.message === "string") {
    return new TriloopError("TRI_ERR_LISTEN_FAILED", e.message, { cause: e.cause });
  }
  return new TriloopError("TRI_ERR_LOOP_START", `Loop ${id} could not start: ${describeExit(code, error)}`, {
    cause: error,
  });
}

/** Open connections in a loop's counters, HTTP (`connections.open`) or TCP (`open`). */
function openConnections(c: LoopCounters | undefined): number {
  if (c === undefined) return 0;
  return "connections" in c ? c.connections.open : c.open;
}

/** One line on how a loop ended: its error's first line and where it was thrown, or its exit code. */
export function describeExit(code: number | undefined, error: unknown): string {
  if (error === undefined) return code === undefined ? "ended" : `exit code ${code}`;
  if (!(error instanceof Error)) return `threw ${String(error)}`;
  const at = error.stack?.split("\n").find((l) => /^\s+at /.test(l))?.trim();
  return `${error.name}: ${error.message.split("\n")[0]}${at === undefined ? "" : ` ${at}`}`;
}
