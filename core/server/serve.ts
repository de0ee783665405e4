/**
 * `serve()`: one entry for both engines. Options are resolved here, once, so
 * the kernel engine and every native engine see the same limits.
 *
 * @module
 */

import { TriloopError } from "../errors.ts";
import type { WebSocketHandler } from "../ws/types.ts";
import type { Adapter, FetchHandler, ServeOptions, Server, ServerTls, WatchdogOptions } from "../types.ts";
import { type Limits, resolveLimits } from "./limits.ts";
import { currentLoop } from "../loops/context.ts";
import { serveLoops } from "../loops/serve-loops.ts";
import { type ProxyOptions, resolveProxy } from "../proxy/gate.ts";
import { drainable, Health } from "./health.ts";
import { trustingFetch } from "./trust-proxy.ts";

/** `ServeOptions` with every default filled in. */
export interface ResolvedServeOptions {
  fetch: FetchHandler;
  port: number;
  hostname: string;
  limits: Limits;
  onError: (err: unknown, request: Request) => void;
  signal?: AbortSignal;
  reusePort: boolean;
  /** The id of the loop this server runs in (0 with one loop). */
  loopId: number;
  /** The stall watchdog's options, or false. */
  watchdog: WatchdogOptions | false;
  /** WebSocket handlers and options (WS1–WS9), or undefined. */
  websocket: WebSocketHandler<unknown> | undefined;
  /** Lazy requests and the globals that go with them (G1–G4). */
  overrideGlobalObjects: boolean;
  /** TLS, with `alpnProtocols` defaulting to `http/1.1` (TL5), or undefined. */
  tls: ServerTls | undefined;
  /** The PROXY protocol options, checked (PX1–PX9); `proxyProtocol` undefined when off. */
  proxy: ProxyOptions;
}

/** An engine: starts a server with resolved options. */
export type Engine = (runtime: Adapter, options: ResolvedServeOptions) => Promise<Server>;

/**
 * The engines of one runtime, and what `engine: "auto"` picks there with the
 * reason (each adapter's own choice, made by measuring with `npm run bench`).
 */
export interface Engines {
  kernel: Engine;
  native: Engine;
  auto: { engine: "kernel" | "native"; why: string };
}

/** Fills in the defaults of `options`. */
export function resolveServeOptions(options: ServeOptions, loopId = 0): ResolvedServeOptions {
  if (typeof options?.fetch !== "function") {
    throw new TriloopError("TRI_ERR_INVALID_ARG", "serve() needs a 'fetch' function");
  }
  const proxy: ProxyOptions = {
    proxyProtocol: options.proxyProtocol,
    trustedProxies: options.trustedProxies,
    proxyTimeoutMs: options.proxyTimeoutMs,
  };
  resolveProxy(proxy); // throws on a bad value here, before anything listens
  return {
    fetch: trustingFetch(options.fetch, options.trustProxy),
    proxy,
    port: options.port ?? 3000,
    hostname: options.hostname ?? "127.0.0.1",
    limits: resolveLimits(options.limits),
    onError: options.onError ?? defaultOnError,
    signal: options.signal,
    reusePort: options.reusePort ?? false,
    loopId,
    watchdog: options.watchdog ?? { stallMs: 100 },
    websocket: options.websocket,
    overrideGlobalObjects: options.overrideGlobalObjects ?? true,
    tls: options.tls === undefined ? undefined : httpTls(options.tls),
  };
}

/** `tls` offering `http/1.1` by ALPN unless it says otherwise (TL5); read from the first entry. */
function httpTls(tls: ServerTls): ServerTls {
  const list = Array.isArray(tls) ? tls : [tls];
  if (list.length === 0 || list[0]?.alpnProtocols !== undefined) return tls;
  return [{ ...list[0], alpnProtocols: ["http/1.1"] }, ...list.slice(1)];
}

/** Starts `options.fetch` on `runtime` with the chosen engine. */
export async function serveWith(
  runtime: Adapter,
  engines: Engines,
  options: ServeOptions,
  loopId = currentLoop().id,
): Promise<Server> {
  if (options.loops !== undefined) {
    return serveLoops(runtime, options, (one) => serveWith(runtime, engines, one, loopId));
  }
  const resolved = resolveServeOptions(options, loopId);
  const wanted = options.engine ?? "auto";
  if (wanted !== "auto" && wanted !== "kernel" && wanted !== "native") {
    throw new TriloopError("TRI_ERR_INVALID_ARG", `Unknown engine '${wanted}'; use kernel, native or auto`);
  }
  const engine = wanted === "auto" ? engines.auto.engine : wanted;
  const health = options.health === undefined ? undefined : new Health(options.health);
  if (health !== undefined) resolved.fetch = health.wrap(resolved.fetch);
  const server = drainable(await engines[engine](runtime, resolved), health);
  if (resolved.signal !== undefined) {
    if (resolved.signal.aborted) await server.close();
    else resolved.signal.addEventListener("abort", () => void server.close(), { once: true });
  }
  return server;
}

function defaultOnError(err: unknown, request: Request): void {
  console.error(`triloop: ${request.method} ${request.url} failed`, err);
}
