/**
 * One load-generator thread: keeps its share of the connections busy with
 * triloop's own client connections (`runtime.connect` of the adapter of the
 * runtime running it: Bun's by default, see `host.ts`; Node's when the
 * threads run inside the bench process), frames the responses, and records
 * latencies in a histogram (`lib/latency.ts`).
 *
 * Driven by messages ({@link ToWorker}): `start` opens the connections and
 * starts the load (warm-up), `measure` zeroes the counters, `stop` reports
 * what was counted since `measure` and closes everything.
 *
 * Hot-path notes: one static handler for every connection, state on
 * `conn.state`; one `performance.now()` per chunk read, shared by every
 * response in that chunk; requests are prebuilt batches written with one
 * `write` each (as wrk pipelines), so a pipelined batch costs one syscall.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { parentPort } from "node:worker_threads";
import { currentRuntime } from "../../adapters/detect.ts";
import type { Conn, SocketHandler } from "../../core/types.ts";
import { latencyHistogram } from "../lib/latency.ts";
import { type FromWorker, type LoadJob, type LoadReport, noErrors, type ToWorker } from "./job.ts";
import { ResponseFramer, type ResponseSink } from "./response-framer.ts";
import { RespFramer } from "./resp-framer.ts";
import { WsFramer } from "./ws-framer.ts";

const runtime = await currentRuntime();

/** Time of the chunk being handled, shared by every response in it. */
let now = 0;
/** Pause before reconnecting after a failure, so a dead server is not spun on. */
const RETRY_MS = 20;

/** One run of one job in this worker. */
class Run {
  readonly job: LoadJob;
  readonly slots: Slot[] = [];
  readonly hist = latencyHistogram();
  running = true;
  measuring = false;
  measureStart = 0;
  /** Responses still wanted in a count-limited run, or Infinity. */
  budget = Infinity;
  responses = 0;
  non2xx = 0;
  errors = noErrors();
  bytesRead = 0;
  connects = 0;
  timer: ReturnType<typeof setInterval> | undefined;

  constructor(job: LoadJob) {
    this.job = job;
  }

  begin(): void {
    this.measuring = true;
    this.measureStart = performance.now();
    this.hist.reset();
    this.responses =
      this.non2xx =
      this.bytesRead =
      this.connects =
        0;
    this.errors = noErrors();
  }

  report(): LoadReport {
    return {
      responses: this.responses,
      non2xx: this.non2xx,
      errors: this.errors,
      bytesRead: this.bytesRead,
      connects: this.connects,
      latency: this.hist.toData(),
      windowMs: performance.now() - this.measureStart,
    };
  }
}

/** One connection's worth of load; reconnects for as long as the run runs. */
class Slot implements ResponseSink {
  readonly run: Run;
  conn: Conn<Slot> | undefined;
  framer: ResponseFramer | RespFramer | WsFramer;
  sentAt = 0;
  outstanding = 0;
  /** Set when we close the connection on purpose (timeout, stop). */
  quiet = false;
  readonly resume = (): void => this.conn?.resume();

  constructor(run: Run) {
    this.run = run;
    this.framer = newFramer(run.job);
  }

  response(status: number, close: boolean): void {
    const run = this.run;
    if (status === 101) {
      // The upgrade is done: the first message goes now, and is what is timed.
      this.outstanding = 0;
      if (run.running && run.budget > 0) this.send(now);
      return;
    }
    if (run.measuring) {
      run.hist.record((now - this.sentAt) * 1000);
      run.responses++;
      if (status < 200 || status > 299) run.non2xx++;
      if (--run.budget === 0) send({ type: "done" });
    }
    if (--this.outstanding > 0) return;
    if (close || run.job.churn) {
      // The server closes; `close` below reconnects. If it does not, we do.
      if (!close) this.conn?.end();
    } else if (run.running && run.budget > 0) {
      this.send(now);
    }
  }

  send(at: number): void {
    const job = this.run.job;
    this.sentAt = at;
    this.outstanding = job.depth;
    this.conn!.write(job.batch);
  }
}

function newFramer(job: LoadJob): ResponseFramer | RespFramer | WsFramer {
  if (job.protocol === "ws") return new WsFramer(job.handshake !== undefined);
  return job.protocol === "resp" ? new RespFramer() : new ResponseFramer();
}

const handler: SocketHandler<Slot> = {
  data(conn, bytes) {
    const slot = conn.state;
    if (slot === undefined) return;
    now = performance.now();
    const run = slot.run;
    if (run.measuring) run.bytesRead += bytes.byteLength;
    if (!slot.framer.feed(bytes, slot)) {
      if (run.measuring) run.errors.parse++;
      slot.quiet = true;
      conn.close();
      return;
    }
    const rate = run.job.readBytesPerSec;
    if (rate !== undefined && slot.outstanding > 0) {
      // Slow reader: stop reading for as long as these bytes "took".
      conn.pause();
      setTimeout(slot.resume, (bytes.byteLength * 1000) / rate);
    }
  },
  end(conn) {
    const slot = conn.state;
    now = performance.now();
    slot?.framer.finish(slot);
    conn.end();
  },
  close(conn) {
    const slot = conn.state;
    if (slot === undefined || slot.conn !== conn) return;
    const run = slot.run;
    const lost = slot.outstanding > 0 || slot.framer.midResponse;
    slot.conn = undefined;
    slot.framer = newFramer(run.job);
    slot.outstanding = 0;
    if (!run.running) return;
    if (lost && !slot.quiet && run.measuring) run.errors.reset++;
    const retry = lost && !slot.quiet;
    slot.quiet = false;
    if (retry) setTimeout(() => connect(slot), RETRY_MS);
    else connect(slot);
  },
};

/** Opens the slot's connection and sends its first batch. Resolves either way. */
async function connect(slot: Slot): Promise<void> {
  const run = slot.run;
  if (!run.running) return;
  const job = run.job;
  const started = performance.now();
  let conn: Conn<Slot>;
  try {
    conn = await runtime.connect<Slot>(
      {
        hostname: job.hostname,
        port: job.port,
        highWaterMark: 1 << 20,
        maxBufferedBytes: 64 << 20,
        ...(job.tlsCa === undefined ? {} : { tls: { ca: job.tlsCa } }),
      },
      handler,
    );
  } catch {
    if (run.measuring) run.errors.connect++;
    if (run.running) setTimeout(() => connect(slot), RETRY_MS);
    return;
  }
  if (!run.running) {
    conn.close();
    return;
  }
  if (run.measuring) run.connects++;
  conn.state = slot;
  slot.conn = conn;
  if (job.handshake !== undefined) {
    // Outstanding until the 101 comes (WsFramer), so a lost upgrade counts.
    slot.outstanding = 1;
    slot.sentAt = performance.now();
    conn.write(job.handshake);
    return;
  }
  // A churned request's latency includes its connect: that is what it costs.
  slot.send(job.churn ? started : performance.now());
}

/** Counts requests that waited too long, and closes their connections. */
function sweepTimeouts(run: Run): void {
  const t = performance.now();
  for (const slot of run.slots) {
    if (slot.conn !== undefined && slot.outstanding > 0 && t - slot.sentAt > run.job.timeoutMs) {
      if (run.measuring) run.errors.timeout += slot.outstanding;
      slot.quiet = true;
      slot.conn.close();
    }
  }
}

let current: Run | undefined;

function send(msg: FromWorker): void {
  parentPort!.postMessage(msg);
}

async function start(job: LoadJob): Promise<void> {
  // A Buffer view of the batch: node:net turns any other Uint8Array into a
  // Buffer on every write, an allocation per request (a no-op elsewhere).
  job.batch = Buffer.from(job.batch.buffer, job.batch.byteOffset, job.batch.byteLength);
  if (job.handshake !== undefined) {
    job.handshake = Buffer.from(job.handshake.buffer, job.handshake.byteOffset, job.handshake.byteLength);
  }
  const run = new Run(job);
  current = run;
  for (let i = 0; i < job.connections; i++) run.slots.push(new Slot(run));
  // Open in waves so a listen backlog of 511 is never the thing measured.
  for (let i = 0; i < run.slots.length; i += 256) {
    await Promise.all(run.slots.slice(i, i + 256).map(connect));
  }
  run.timer = setInterval(() => {
    sweepTimeouts(run);
    if (run.measuring) {
      const e = run.errors;
      send({ type: "tick", responses: run.responses, errors: e.connect + e.reset + e.parse + e.timeout });
    }
  }, 100);
  send({ type: "ready" });
}

function stop(): void {
  const run = current;
  if (run === undefined) return;
  current = undefined;
  const report = run.report();
  run.running = false;
  run.measuring = false;
  clearInterval(run.timer);
  for (const slot of run.slots) {
    slot.quiet = true;
    slot.conn?.close();
  }
  send({ type: "report", report });
}

parentPort!.on("message", (msg: ToWorker) => {
  try {
    switch (msg.type) {
      case "start":
        start(msg.job).catch((err) => send({ type: "failed", message: String(err?.stack ?? err) }));
        break;
      case "measure":
        if (current !== undefined) {
          current.begin();
          if (msg.requests !== undefined) current.budget = msg.requests;
          if (msg.requests === 0) send({ type: "done" });
        }
        break;
      case "stop":
        stop();
        break;
      case "exit":
        parentPort!.close();
        break;
    }
  } catch (err) {
    send({ type: "failed", message: String((err as Error)?.stack ?? err) });
  }
});
