/**
 * What the main thread asks of a load worker, and what a worker reports. The
 * messages cross a `worker_threads` boundary, so they are plain data.
 *
 * @module
 */

import type { HistogramData } from "../lib/latency.ts";

/** One load run, as one worker sees it (its share of the connections). */
export interface LoadJob {
  /** How responses are framed: a WebSocket's response is a message (`ws-framer.ts`). */
  protocol: "http" | "resp" | "ws";
  /**
   * Bytes sent first on every connection, before any batch: a WebSocket
   * upgrade request, whose `101` starts the batches. None for a raw TCP
   * echo of WebSocket frames (the ceiling row).
   */
  handshake?: Uint8Array;
  hostname: string;
  port: number;
  /** Connections this worker keeps busy. */
  connections: number;
  /**
   * The bytes of one batch: `depth` requests back to back. The next batch is
   * sent when every response of the last one arrived (as wrk pipelines).
   */
  batch: Uint8Array;
  /** Requests in `batch`. */
  depth: number;
  /** Open a new connection for every batch; the server closes it. */
  churn: boolean;
  /** Read at most this many bytes per second per connection (slow reader). */
  readBytesPerSec?: number;
  /** A request without its response after this long counts as a timeout. */
  timeoutMs: number;
  /** Speak TLS, trusting this CA (PEM). */
  tlsCa?: string;
}

/** Counted failures. */
export interface LoadErrors {
  /** Connects that failed. */
  connect: number;
  /** Connections lost with a response outstanding. */
  reset: number;
  /** Responses the framer could not frame. */
  parse: number;
  /** Requests with no response within the timeout. */
  timeout: number;
}

/** What a worker measured between `measure` and `stop`. */
export interface LoadReport {
  /** Responses completed (all statuses). */
  responses: number;
  /** Responses outside 2xx (RESP: error replies). */
  non2xx: number;
  errors: LoadErrors;
  /** Bytes read from the server. */
  bytesRead: number;
  /** Connections opened. */
  connects: number;
  /** Latencies in µs. */
  latency: HistogramData;
  /** Length of the measured window, as the worker saw it. */
  windowMs: number;
}

/** Main → worker. */
export type ToWorker =
  | { type: "start"; job: LoadJob }
  | { type: "measure"; requests?: number }
  | { type: "stop" }
  | { type: "exit" };

/** Worker → main. */
export type FromWorker =
  | { type: "ready" }
  | { type: "tick"; responses: number; errors: number }
  | { type: "done" }
  | { type: "report"; report: LoadReport }
  | { type: "failed"; message: string };

/** Zeroed error counters. */
export function noErrors(): LoadErrors {
  return { connect: 0, reset: 0, parse: 0, timeout: 0 };
}

/** Total of the error counters. */
export function errorTotal(e: LoadErrors): number {
  return e.connect + e.reset + e.parse + e.timeout;
}
