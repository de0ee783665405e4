/**
 * What the three native engines share as servers: the answers they give
 * themselves (a refusal, 500 when the runtime's server fails outside the
 * handler), `Connection: close` while closing, and the graceful close. Web-
 * platform globals only, like `_native.ts`.
 *
 * @module
 */

import { STATUS_ERROR_CODES } from "../core/http1/codes.ts";
import type { Server, ShutdownReport } from "../core/types.ts";
import type { ResolvedServeOptions } from "../core/server/serve.ts";
import { TriloopError } from "../core/errors.ts";
import { type NativeCounters, plainResponse } from "./_native.ts";

/**
 * Refuses PROXY options on a native server that cannot take them (PX2: the
 * header must be read before the server's own parser reads the socket):
 * `why` says what the runtime lacks. The kernel engine reads PROXY there.
 */
export function checkNoProxy(options: ResolvedServeOptions, runtime: string, why: string): void {
  if (options.proxy.proxyProtocol === undefined || options.proxy.proxyProtocol === false) return;
  throw new TriloopError(
    "TRI_ERR_INVALID_ARG",
    `proxyProtocol needs engine "kernel" on ${runtime}: ${why}`,
  );
}

/** A refusal the engine answers itself, counted: `status` and `Connection: close` (H3). */
export function refusal(counters: NativeCounters, status: number): Response {
  counters.error(STATUS_ERROR_CODES[status]);
  counters.responded(status);
  return plainResponse(status, true);
}

/** The runtime server's error callback: a failure outside the handler is counted, logged and answered 500. */
export function serverFailed(counters: NativeCounters, server: string): (err: unknown) => Response {
  return (err) => {
    counters.error("TRI_ERR_HANDLER_THREW");
    console.error(`triloop: ${server} failed`, err);
    return plainResponse(500, false);
  };
}

/** Asks the runtime server to close the connection after `response` (the server is closing). */
export function closeAfter(response: Response): void {
  try {
    response.headers.set("connection", "close");
  } catch {
    // Immutable headers (Response.redirect/error): the shutdown closes the connection anyway.
  }
}

/**
 * A native server's `close()`, the same on every runtime: once, however
 * often called, it sets `counters.closing`, lets `drain()` stop accepting
 * and finish what is in flight for up to `graceMs` (its WebSockets get 1001
 * and close their handshakes, WS9), then has `force()` end what is left and
 * say how many requests or connections that cut. `openSockets` tells how
 * many WebSockets are open, for the report.
 */
export function gracefulClose(
  counters: NativeCounters,
  drain: () => Promise<unknown>,
  force: () => number | Promise<number>,
  openSockets: () => number = () => 0,
): Server["close"] {
  let closing: Promise<ShutdownReport> | undefined;
  return ({ graceMs = 10_000 } = {}) =>
    closing ??= (async () => {
      const t0 = performance.now();
      counters.closing = true;
      const ws0 = openSockets();
      const drained = await within(drain(), graceMs);
      const wsLeft = openSockets();
      const forced = drained ? 0 : await force();
      const report: ShutdownReport = {
        outcome: forced > 0 ? "forced" : "drained",
        completed: counters.completedWhileClosing,
        forced,
        ms: Math.round(performance.now() - t0),
      };
      if (ws0 > 0) report.websockets = { closed: ws0 - wsLeft, forced: wsLeft };
      return report;
    })();
}

/** True if `work` settles within `ms`, false at the deadline (the timer never outlives the race). */
export async function within(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<false>((r) => (timer = setTimeout(r, Math.max(0, ms), false)));
  try {
    return await Promise.race([work.then(() => true, () => true), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
