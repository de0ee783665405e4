/**
 * The messages between a supervisor and its loop hosts, the same over every
 * channel (a worker's port, a cluster worker's IPC). Few and rare — none on
 * the request path — so they are plain objects with a `t` tag.
 *
 * ```
 * host  → sup   hello                          once its channel listens
 * sup   → host  start { config }               what to load and where to listen
 * host  → sup   ready { hostname, port,        serving (or failed { error }: also a
 *                      kind, engine }           process loop's uncaught error, before it exits)
 * host  → sup   stats { stats }                every statsIntervalMs, and when asked
 * sup   → host  stats                          asks for counters now
 * sup   → host  close { graceMs, drainDelayMs } graceful close (after the drain delay,
 *                                               HZ2); again with 0 forces
 * sup   → host  tls { tls }                    serve new certificates (TL6)
 * host  → sup   closed { report, stats }       then the host ends (or is ended)
 * host  → sup   publish { port, topic,         a WebSocket publish of the server on
 *                        binary, payload }      `port`, for the other loops (WS8)
 * sup   → host  publish { … }                  another loop's publish, in the order
 *                                               its loop sent them
 * ```
 *
 * The supervisor speaks only after `hello`, so no message reaches a host
 * before it listens, whatever the channel.
 *
 * @module
 */

import type { ListenerStats, ServerStats, ServerTls, ShutdownReport } from "../types.ts";
import type { WireError } from "../_shared/wire-error.ts";
import type { DeployOptions } from "./entry.ts";

/** What one loop host loads, and how it listens. */
export interface LoopConfig {
  id: number;
  count: number;
  /** The module to load, as a URL. */
  module: string;
  /**
   * `"entry"`: serve the module's default export (`{ fetch }` over HTTP, a
   * socket handler over TCP), as `triloop serve` does. `"main"`: run the
   * program's main module, whose own `serve({ loops })` call serves.
   */
  mode: "entry" | "main";
  /**
   * The address to listen on. For `"main"` loops, `port` is undefined until
   * resolved (then it overrides the app's). For `"entry"` loops, undefined
   * means "not asked for": the entry's export decides, else `fallback`
   * (the first loop resolves it; later loops get the result).
   */
  hostname?: string;
  port?: number;
  /** For `"entry"` loops: the address when neither the config nor the entry gives one. */
  fallback?: { hostname: string; port: number };
  reusePort: boolean;
  /** Bind the port alone first, so a port that another process serves fails the start (LP11). */
  claim: boolean;
  engine?: "kernel" | "native" | "auto";
  /** For `"entry"` loops: serve TLS with these certificates (the latest reload's). */
  tls?: ServerTls;
  /** For `"entry"` loops: `triloop serve`'s deployment flags. */
  deploy?: DeployOptions;
  statsIntervalMs: number;
}

/** A loop's counters: HTTP or TCP. */
export type LoopCounters = ServerStats | ListenerStats;

/**
 * A WebSocket publish crossing loops (WS8): the server is named by its port,
 * which is the same on every loop. `payload` holds the message's bytes
 * alone (a view of a larger buffer would clone all of it).
 */
export interface PublishMessage {
  t: "publish";
  port: number;
  topic: string;
  binary: boolean;
  payload: Uint8Array;
}

/** Supervisor → host. */
export type ToLoop =
  | { t: "start"; config: LoopConfig }
  | { t: "stats" }
  | { t: "close"; graceMs: number; drainDelayMs?: number }
  | { t: "tls"; tls: ServerTls }
  | PublishMessage;

/** Host → supervisor. */
export type FromLoop =
  | { t: "hello" }
  | { t: "ready"; hostname: string; port: number; kind: "http" | "tcp"; engine?: "kernel" | "native" }
  | { t: "failed"; error: WireError }
  | { t: "stats"; stats: LoopCounters }
  | { t: "closed"; report: ShutdownReport; stats: LoopCounters }
  | PublishMessage;

/** True when `data` is a {@link FromLoop} message (anything else on the channel is ignored). */
export function isFromLoop(data: unknown): data is FromLoop {
  return typeof data === "object" && data !== null && typeof (data as { t?: unknown }).t === "string";
}
