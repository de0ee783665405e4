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
  ListenerStats,
  Runtime,
  Server,
  ServerStats,
  ServerTls,
  ShutdownReport,
  SocketHandler,
  WatchdogOptions,
} from "../types.ts";
import type { WebSocketHandler } from "../ws/types.ts";

/** Where and how to serve an entry. */
export interface EntryOptions {
  /** The address asked for explicitly (the command line): it wins over the entry's export. */
  hostname?: string;
  port?: number;
  /**
   * Where to serve when neither the options above nor the entry's export say:
   * the environment's `HOSTNAME` and `PORT`, else the defaults. Default
   * `127.0.0.1`, port 0.
   */
  fallback?: { hostname: string; port: number };
  reusePort?: boolean;
  engine?: "kernel" | "native" | "auto";
  /** Serve TLS (`triloop serve --tls-cert`): HTTPS, or TLS for a TCP handler. */
  tls?: ServerTls;
  /** How it is deployed (`triloop serve`'s flags); each wins over the entry's export. */
  deploy?: DeployOptions;
}

/**
 * What `triloop serve` takes for running behind a load balancer: the flags
 * `--proxy-protocol`, `--trusted-proxies`, `--trust-proxy`, `--health-path`
 * and `--keep-alive-timeout` (`--drain-delay` is the close's).
 */
export interface DeployOptions {
  proxyProtocol?: "v1" | "v2" | "any";
  /** Comma-separated addresses or CIDRs. */
  trustedProxies?: string;
  trustProxy?: number | string;
  health?: string;
  keepAliveTimeoutMs?: number;
}

/** A served entry: an HTTP server or a TCP listener behind one interface. */
export interface ServedEntry {
  kind: "http" | "tcp";
  /** The address it serves on, as resolved ({@link entryAddress}). */
  hostname: string;
  port: number;
  /** The HTTP engine serving, for `"http"`. */
  engine?: "kernel" | "native";
  /** Served over TLS. */
  secure?: boolean;
  stats(): ServerStats | ListenerStats;
  /**
   * Graceful close (LP7): HTTP as `Server.close` (after `drainDelayMs`, with
   * the health path answering 503, HZ2), TCP as `Listener.shutdown`
   * (L5: each connection is asked to end, S9 and S10; `completed` counts the
   * connections that ended in the grace, `forced` those closed at its end).
   */
  close(graceMs: number, drainDelayMs?: number): Promise<ShutdownReport>;
  /** New certificates from the next handshake on (TL6; SIGHUP under the CLI). */
  reloadTls(tls: ServerTls): Promise<void>;
}

/**
 * What an entry module exports by default: a socket handler, or `{ fetch }`
 * (a Hono app) — which may carry the serve options `limits`, `watchdog` and `tls` —
 * and either may say where to serve, as Bun's server and srvx read it:
 * `export default { port: 8080, hostname: "::", fetch }`.
 */
export type EntryExport =
  | Partial<
    SocketHandler & {
      fetch: FetchHandler;
      limits: HttpLimits;
      watchdog: WatchdogOptions | false;
      websocket: WebSocketHandler<any>;
      tls: ServerTls;
      port: number | string;
      hostname: string;
      health: string;
      proxyProtocol: "v1" | "v2" | "any";
      trustedProxies: string | string[];
      trustProxy: number | string | string[];
    }
  >
  | undefined;

/**
 * The address an entry serves on: the explicit option, else the entry's
 * exported `port` / `hostname`, else the fallback. Throws `TRI_ERR_ENTRY`
 * for an exported value that is not a port (an integer 0..65535, or its
 * digits as a string) or not a host name.
 */
export function entryAddress(
  exported: EntryExport,
  o: Pick<EntryOptions, "hostname" | "port" | "fallback">,
): { hostname: string; port: number } {
  const fallback = o.fallback ?? { hostname: "127.0.0.1", port: 0 };
  return {
    hostname: o.hostname ?? exportedHostname(exported?.hostname) ?? fallback.hostname,
    port: o.port ?? exportedPort(exported?.port) ?? fallback.port,
  };
}

function exportedPort(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const n = typeof value === "number"
    ? value
    : typeof value === "string" && /^\d+$/.test(value)
    ? Number(value)
    : NaN;
  if (Number.isInteger(n) && n >= 0 && n <= 65535) return n;
  throw new TriloopError(
    "TRI_ERR_ENTRY",
    `The entry exports port ${quote(value)}, which is not a port (an integer 0..65535)`,
  );
}

function exportedHostname(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === "string" && value !== "" && !/\s/.test(value)) {
    return /^\[(.*)\]$/.exec(value)?.[1] ?? value;
  }
  throw new TriloopError("TRI_ERR_ENTRY", `The entry exports hostname ${quote(value)}, which is not a host`);
}

/**
 * Serves `exported` on `runtime`, at {@link entryAddress}; throws
 * `TRI_ERR_ENTRY` if it is neither kind.
 */
export async function serveEntry(
  runtime: Runtime,
  exported: EntryExport,
  o: EntryOptions,
): Promise<ServedEntry> {
  const at = entryAddress(exported, o);
  const d = o.deploy ?? {};
  const proxy = {
    proxyProtocol: d.proxyProtocol ?? exported?.proxyProtocol,
    trustedProxies: d.trustedProxies ?? exported?.trustedProxies,
  };
  if (typeof exported?.fetch === "function") {
    const keepAlive = d.keepAliveTimeoutMs;
    const server = await runtime.serve({
      fetch: exported.fetch.bind(exported),
      hostname: at.hostname,
      port: at.port,
      reusePort: o.reusePort,
      engine: o.engine ?? "auto",
      limits: keepAlive === undefined
        ? exported.limits
        : { ...exported.limits, keepAliveTimeoutMs: keepAlive },
      watchdog: exported.watchdog,
      websocket: exported.websocket,
      tls: o.tls ?? exported.tls,
      health: d.health ?? exported.health,
      trustProxy: d.trustProxy ?? exported.trustProxy,
      ...proxy,
    });
    return { ...servedHttp(server, at.hostname), secure: server.url.startsWith("https:") };
  }
  if (typeof exported?.data === "function") {
    const listener = await runtime.listen(
      { hostname: at.hostname, port: at.port, reusePort: o.reusePort, tls: o.tls ?? exported.tls, ...proxy },
      exported as SocketHandler,
    );
    return {
      kind: "tcp",
      secure: (o.tls ?? exported.tls) !== undefined,
      hostname: at.hostname,
      port: listener.port,
      stats: () => listener.stats(),
      close: (graceMs) => listener.shutdown({ graceMs }),
      reloadTls: (tls) => listener.reloadTls(tls),
    };
  }
  throw new TriloopError(
    "TRI_ERR_ENTRY",
    `The entry's default export must be a connection handler (with data()) or { fetch }; it is ${
      describeExport(exported)
    }`,
  );
}

function describeExport(value: unknown): string {
  if (value === undefined) return "missing (no export default)";
  if (typeof value === "function") return "a function (export default { fetch: yourFunction } serves it)";
  if (typeof value !== "object" || value === null) return quote(value);
  const keys = Object.keys(value);
  return keys.length === 0 ? "an empty object" : `an object with ${keys.slice(0, 6).join(", ")}`;
}

function quote(value: unknown): string {
  return typeof value === "string" ? `'${value}'` : String(value);
}

/** A running HTTP server as a loop's {@link ServedEntry}. */
export function servedHttp(server: Server, hostname: string): ServedEntry {
  return {
    kind: "http",
    hostname,
    port: server.port,
    engine: server.engine,
    stats: () => server.stats(),
    close: (graceMs, drainDelayMs) => server.close({ graceMs, drainDelayMs }),
    reloadTls: (tls) => server.reloadTls(tls),
  };
}
