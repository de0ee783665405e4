/**
 * The built-in load generator: a few load threads, each running its own
 * connections ({@link LoadJob}), with their histograms merged at the end.
 * The threads run in a child process on Bun when it is installed (`host.ts`
 * says why), else as `worker_threads` of this process.
 *
 * A run has three steps so the caller can sample the server around the
 * measured window: `start` (connect, load begins: warm-up), `measure`
 * (counters zeroed, window opens), `stop` (window closes, reports merged).
 *
 * @example One measured run
 * ```ts ignore
 * const gen = await LoadGenerator.create(1);
 * await gen.start(job);
 * await sleep(500); // warm-up
 * gen.measure();
 * await sleep(2000);
 * const result = await gen.stop();
 * await gen.close();
 * ```
 *
 * @module
 */

import { type ChildProcess, spawn } from "node:child_process";
import { EventEmitter } from "node:events";
import process from "node:process";
import { Worker } from "node:worker_threads";
import { CLOCK_TICKS, readStat } from "../lib/proc.ts";
import { decodeMessage, encodeMessage } from "./wire.ts";
import { latencyHistogram, type LatencySummary, latencySummary } from "../lib/latency.ts";
import { type FromWorker, type LoadErrors, type LoadJob, noErrors, type ToWorker } from "./job.ts";

/** The merged outcome of one measured window. */
export interface LoadResult {
  /** Responses per second over the window. */
  rps: number;
  responses: number;
  non2xx: number;
  errors: LoadErrors;
  bytesRead: number;
  connects: number;
  latency: LatencySummary;
  windowMs: number;
}

interface Pending {
  resolve: () => void;
  reject: (err: Error) => void;
  left: number;
}

/** What the generator needs of a load thread: a `Worker`, or one in the host process. */
interface LoadThread {
  on(event: "message", fn: (msg: FromWorker) => void): unknown;
  on(event: "error", fn: (err: Error) => void): unknown;
  on(event: "exit", fn: (code: number) => void): unknown;
  postMessage(msg: ToWorker): void;
  terminate(): Promise<unknown>;
}

/** The load threads of a child process running `host.ts`, as {@link LoadThread}s. */
class LoadHost {
  readonly child: ChildProcess;
  readonly threads: LoadThread[];
  #exited = false;

  constructor(argv: string[], threads: number) {
    this.child = spawn(argv[0], [...argv.slice(1), String(threads)], { stdio: ["pipe", "pipe", "inherit"] });
    const emitters = Array.from({ length: threads }, () => new EventEmitter());
    this.threads = emitters.map((e, i) => ({
      on: (event: string, fn: (...args: unknown[]) => void) => e.on(event, fn),
      postMessage: (msg: ToWorker) => this.child.stdin!.write(encodeMessage(i, msg) + "\n"),
      terminate: () => this.close(),
    })) as LoadThread[];
    let carry = "";
    this.child.stdout!.setEncoding("utf8");
    this.child.stdout!.on("data", (text: string) => {
      const lines = (carry + text).split("\n");
      carry = lines.pop()!;
      for (const line of lines) {
        if (line === "") continue;
        const { w, m } = decodeMessage(line);
        emitters[w]?.emit("message", m);
      }
    });
    this.child.on("error", (err) => emitters.forEach((e) => e.emit("error", err)));
    this.child.on("exit", (code) => {
      this.#exited = true;
      emitters.forEach((e) => e.emit("exit", code ?? 1));
    });
  }

  close(): Promise<void> {
    if (this.#exited) return Promise.resolve();
    return new Promise((resolve) => {
      this.child.once("exit", () => resolve());
      this.child.stdin!.end(); // the host exits when its stdin ends
    });
  }
}

/** A pool of load threads, reused run after run. */
export class LoadGenerator {
  #workers: LoadThread[];
  #host: LoadHost | undefined;
  #ticks: number[];
  #tickErrors: number[];
  #reports: FromWorker[] = [];
  #waiting: Pending | undefined;
  #awaitedType: FromWorker["type"] | undefined;
  #measureAt = 0;
  #failure: Error | undefined;

  private constructor(workers: LoadThread[], host?: LoadHost) {
    this.#workers = workers;
    this.#host = host;
    this.#ticks = workers.map(() => 0);
    this.#tickErrors = workers.map(() => 0);
    workers.forEach((w, i) => {
      w.on("message", (msg: FromWorker) => this.#onMessage(i, msg));
      w.on("error", (err) => this.#fail(err));
      w.on("exit", (code) => {
        if (code !== 0) this.#fail(new Error(`Load worker ${i} exited with ${code}`));
      });
    });
  }

  /**
   * Starts `threads` load threads: in a child process started with
   * `host.argv` (the command line of `host.ts` on some runtime, e.g.
   * `["bun", ".../host.ts"]`; `host.label` names it in reports), or in this
   * process when `host` is undefined.
   */
  static create(threads: number, host?: { argv: string[]; label: string }): LoadGenerator {
    if (!(threads >= 1)) throw new RangeError(`Threads must be >= 1, got ${threads}`);
    if (host !== undefined) {
      const h = new LoadHost(host.argv, threads);
      const gen = new LoadGenerator(h.threads, h);
      gen.host = `${host.label} (child process)`;
      return gen;
    }
    const url = new URL("./worker-boot.mjs", import.meta.url);
    // TRILOOP_BENCH_WORKER_FLAGS passes Node flags to the load threads (e.g. --cpu-prof).
    const execArgv = process.env.TRILOOP_BENCH_WORKER_FLAGS?.split(" ").filter(Boolean) ?? [];
    const workers = Array.from({ length: threads }, () => new Worker(url, { execArgv }));
    return new LoadGenerator(workers);
  }

  /**
   * CPU µs used so far by the process the threads run in (the host's; this
   * process's own when they run here): the generator's cost per request.
   */
  cpuMicros(): number {
    const s = readStat(this.#host?.child.pid ?? process.pid);
    return s === undefined ? 0 : ((s.utime + s.stime) * 1e6) / CLOCK_TICKS;
  }

  /** Where the threads run, for the report: e.g. "Bun 1.4.5 (child process)". */
  host = `Node ${process.versions.node} (worker threads)`;

  /** Threads in the pool. */
  get threads(): number {
    return this.#workers.length;
  }

  /** Opens `job.connections` connections spread over the threads and starts the load. */
  async start(job: LoadJob): Promise<void> {
    this.#reports = [];
    this.#ticks.fill(0);
    this.#tickErrors.fill(0);
    const n = this.#workers.length;
    const used = this.#workers.filter((_, i) => share(job.connections, n, i) > 0).length;
    const ready = this.#await("ready", used);
    this.#workers.forEach((w, i) => {
      const connections = share(job.connections, n, i);
      if (connections > 0) post(w, { type: "start", job: { ...job, connections } });
    });
    await ready;
  }

  /** Opens the measured window; with `requests`, the run ends after that many responses. */
  measure(requests?: number): Promise<void> {
    this.#measureAt = performance.now();
    this.#ticks.fill(0);
    const active = this.#active();
    const done = requests === undefined ? Promise.resolve() : this.#await("done", active.length);
    active.forEach((w, i) => {
      const wanted = requests === undefined ? undefined : share(requests, active.length, i);
      post(w, { type: "measure", requests: wanted });
    });
    return done;
  }

  /** Responses (and errors) counted so far in the window, from the threads' last ticks. */
  progress(): { responses: number; errors: number; elapsedMs: number } {
    return {
      responses: this.#ticks.reduce((a, b) => a + b, 0),
      errors: this.#tickErrors.reduce((a, b) => a + b, 0),
      elapsedMs: performance.now() - this.#measureAt,
    };
  }

  /** Closes the window and every connection; merges what the threads counted. */
  async stop(): Promise<LoadResult> {
    const windowMs = performance.now() - this.#measureAt;
    const active = this.#active();
    this.#reports = [];
    const reported = this.#await("report", active.length);
    for (const w of active) post(w, { type: "stop" });
    await reported;
    const hist = latencyHistogram();
    const result: LoadResult = {
      rps: 0,
      responses: 0,
      non2xx: 0,
      errors: noErrors(),
      bytesRead: 0,
      connects: 0,
      latency: latencySummary(hist),
      windowMs,
    };
    for (const msg of this.#reports) {
      if (msg.type !== "report") continue;
      const r = msg.report;
      hist.merge(r.latency);
      result.responses += r.responses;
      result.non2xx += r.non2xx;
      result.bytesRead += r.bytesRead;
      result.connects += r.connects;
      for (const k of Object.keys(result.errors) as (keyof LoadErrors)[]) result.errors[k] += r.errors[k];
    }
    result.latency = latencySummary(hist);
    result.rps = result.responses / (windowMs / 1000);
    return result;
  }

  /** Ends the threads (and their process). */
  async close(): Promise<void> {
    if (this.#host !== undefined) await this.#host.close();
    else await Promise.all(this.#workers.map((w) => w.terminate()));
  }

  #activeSet = new Set<number>();

  #active(): LoadThread[] {
    return this.#workers.filter((_, i) => this.#activeSet.has(i));
  }

  #onMessage(i: number, msg: FromWorker): void {
    if (msg.type === "tick") {
      this.#ticks[i] = msg.responses;
      this.#tickErrors[i] = msg.errors;
      return;
    }
    if (msg.type === "failed") {
      this.#fail(new Error(`Load worker ${i} failed: ${msg.message}`));
      return;
    }
    if (msg.type === "ready") this.#activeSet.add(i);
    if (msg.type === "report") {
      this.#activeSet.delete(i);
      this.#reports.push(msg);
    }
    if (msg.type === this.#awaitedType && this.#waiting !== undefined) {
      if (--this.#waiting.left === 0) {
        const w = this.#waiting;
        this.#waiting = undefined;
        this.#awaitedType = undefined;
        w.resolve();
      }
    }
  }

  #await(type: FromWorker["type"], count: number): Promise<void> {
    if (this.#failure) return Promise.reject(this.#failure);
    if (count === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.#waiting = { resolve, reject, left: count };
      this.#awaitedType = type;
    });
  }

  #fail(err: Error): void {
    this.#failure ??= err;
    const w = this.#waiting;
    this.#waiting = undefined;
    w?.reject(err);
  }
}

/** Worker `i`'s share of `total` split over `n` (the first ones get the remainder). */
export function share(total: number, n: number, i: number): number {
  return Math.floor(total / n) + (i < total % n ? 1 : 0);
}

function post(w: LoadThread, msg: ToWorker): void {
  w.postMessage(msg);
}
