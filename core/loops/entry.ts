/**
 * Serving an entry module's default export — `{ fetch }` over HTTP, a socket
 * handler over TCP — with one shape for both, so `triloop serve` and every
 * loop host start, count and drain them the same way.
 *
 * @module
 */

import { TriloopError } from "../errors.ts";
import type {
  FetchHandler,
  HttpLimits,
  Listener,
  ListenerStats,
  Runtime,
  Server,
  ServerStats,
  ShutdownReport,
  SocketHandler,
  WatchdogOptions,
} from "../types.ts";

/** Where and how to serve an entry. */
export interface EntryOptions {
  hostname: string;
  port: number;
  reusePort?: boolean;
  engine?: "kernel" | "native" | "auto";
}

/** A served entry: an HTTP server or a TCP listener behind one interface. */
export interface ServedEntry {
  kind: "http" | "tcp";
  port: number;
  /** The HTTP engine serving, for `"http"`. */
  engine?: "kernel" | "native";
  stats(): ServerStats | ListenerStats;
  /** Graceful close (LP7): HTTP as `Server.close`, TCP as {@link drainListener}. */
  close(graceMs: number): Promise<ShutdownReport>;
}

/**
 * What an entry module exports by default: a socket handler, or `{ fetch }`
 * (a Hono app) — which may carry the serve options `limits` and `watchdog`.
 */
export type EntryExport =
  | Partial<SocketHandler & { fetch: FetchHandler; limits: HttpLimits; watchdog: WatchdogOptions | false }>
  | undefined;

/** Serves `exported` on `runtime`; throws `TRI_ERR_INVALID_ARG` if it is neither kind. */
export async function serveEntry(
  runtime: Runtime,
  exported: EntryExport,
  o: EntryOptions,
): Promise<ServedEntry> {
  if (typeof exported?.fetch === "function") {
    const server = await runtime.serve({
      fetch: exported.fetch.bind(exported),
      hostname: o.hostname,
      port: o.port,
      reusePort: o.reusePort,
      engine: o.engine ?? "auto",
      limits: exported.limits,
      watchdog: exported.watchdog,
    });
    return servedHttp(server);
  }
  if (typeof exported?.data === "function") {
    const listener = await runtime.listen(
      { hostname: o.hostname, port: o.port, reusePort: o.reusePort },
      exported as SocketHandler,
    );
    let closing: Promise<ShutdownReport> | undefined;
    return {
      kind: "tcp",
      port: listener.port,
      stats: () => listener.stats(),
      close: (graceMs) => (closing ??= drainListener(listener, graceMs)),
    };
  }
  throw new TriloopError(
    "TRI_ERR_INVALID_ARG",
    "The entry must export default a connection handler (with 'data') or { fetch }",
  );
}

/** A running HTTP server as a loop's {@link ServedEntry}. */
export function servedHttp(server: Server): ServedEntry {
  return {
    kind: "http",
    port: server.port,
    engine: server.engine,
    stats: () => server.stats(),
    close: (graceMs) => server.close({ graceMs }),
  };
}

/**
 * A TCP listener's graceful close: stop accepting at once, let connections
 * end by themselves until `graceMs`, then close the rest. A raw protocol
 * has no "request in flight" the kernel could see, so `completed` counts
 * connections that ended during the grace period and `forced` those closed
 * at its end.
 */
export async function drainListener(listener: Listener, graceMs: number): Promise<ShutdownReport> {
  const t0 = performance.now();
  const closed0 = listener.stats().closed;
  await listener.close();
  while (listener.stats().open > 0 && performance.now() - t0 < graceMs) {
    await new Promise((r) => setTimeout(r, 10));
  }
  const { open: forced, closed } = listener.stats();
  if (forced > 0) await listener.close({ force: true });
  return {
    outcome: forced > 0 ? "forced" : "drained",
    completed: closed - closed0,
    forced,
    ms: Math.round(performance.now() - t0),
  };
}
