/**
 * The native engine on Bun: `Bun.serve` (https://bun.sh/docs/api/http).
 *
 * Bun's server takes the fetch handler as is, so this file only maps the
 * limits it has knobs for (`maxRequestBodySize`, `idleTimeout` in whole
 * seconds), checks what it has none for but can see on a parsed request (URI
 * length, header size and count, transfer codings), gives the handler a
 * {@link ServeInfo} over `server.requestIP`, and counts. What Bun cannot do
 * (headers and request timeouts, connection limits, per-connection counters)
 * is data in `tests/conformance/skips.ts`.
 *
 * @module
 */

/// <reference path="./_bun.d.ts" />

import { listenFailed } from "../../core/listen-error.ts";
import { serverUrl } from "../../core/_shared/server-url.ts";
import { nativeResponse } from "../../core/fetch/light-response.ts";
import type { Runtime, ServeInfo, Server } from "../../core/types.ts";
import type { Engines, ResolvedServeOptions } from "../../core/server/serve.ts";
import type { UpgradeOptions, WsData } from "../../core/ws/types.ts";
import { checkHead, NativeCounters, runHandler, targetOf, versionRequired } from "../_native.ts";
import { checkNoProxy, closeAfter, gracefulClose, refusal, serverFailed } from "../_native-server.ts";
import { BunSocket, BunWebSockets } from "./native-ws.ts";
import { isTriloopError } from "../../core/errors.ts";
import { notTls, resolveTls, tlsConfigFailed } from "../../core/tls.ts";
import { bunCert } from "./tls.ts";

/** Bun.serve's `tls`: every certificate, each with its `serverName` (Bun.serve serves SNI). */
function bunServeTls(tls: NonNullable<ResolvedServeOptions["tls"]>): BunShim.TLSOptions[] {
  const resolved = resolveTls(tls);
  return resolved.certs.map((c) => bunCert(resolved, c));
}

/** Bun's idle timeout is whole seconds, at most 255; 0 turns it off. */
function idleSeconds(ms: number): number {
  return ms === 0 ? 0 : Math.min(255, Math.max(1, Math.ceil(ms / 1000)));
}

/** The caller of one request, read from Bun only when the handler asks. */
class BunServeInfo implements ServeInfo {
  #server: BunShim.HttpServer;
  #request: Request;
  #ws: BunWebSockets;
  readonly loopId: number;
  /** What `upgrade` made of the request: Bun upgraded it (its socket), or its version is not 13 (WH1). */
  outcome: BunSocket | 426 | undefined;
  constructor(server: BunShim.HttpServer, request: Request, loopId: number, ws: BunWebSockets) {
    this.#server = server;
    this.#request = request;
    this.loopId = loopId;
    this.#ws = ws;
  }
  get remoteAddr(): ServeInfo["remoteAddr"] {
    const ip = this.#server.requestIP(this.#request);
    return { hostname: ip?.address ?? "", port: ip?.port ?? 0, transport: "tcp" };
  }
  get localAddr(): ServeInfo["localAddr"] {
    // Bun.serve does not tell a connection's local end; the bound one is it
    // unless the server listens on a wildcard address.
    return { hostname: this.#server.hostname, port: this.#server.port, transport: "tcp" };
  }
  upgrade<D>(request: Request, options?: UpgradeOptions<D>): boolean {
    if (this.outcome instanceof BunSocket) return false;
    this.outcome = this.#ws.upgrade(request, options as UpgradeOptions<unknown>);
    return this.outcome instanceof BunSocket;
  }
  publish(topic: string, data: WsData, compress?: boolean): number {
    return this.#ws.publish(topic, data, compress);
  }
  subscriberCount(topic: string): number {
    return this.#ws.count(topic);
  }
  requestIP(request: Request = this.#request): ReturnType<ServeInfo["requestIP"]> {
    return this.#server.requestIP(request);
  }
}

/** What `engine: "auto"` picks on Bun: the engine measured cheaper there (`npm run bench`). */
export const AUTO: Engines["auto"] = {
  engine: "kernel",
  why: "the kernel engine costs less CPU per request than the native one (and than Bun's serve() pipelined)",
};

/** Serves `options.fetch` with Bun.serve. */
export function nativeEngine(_runtime: Runtime, options: ResolvedServeOptions): Promise<Server> {
  checkNoProxy(
    options,
    "Bun",
    "Bun.serve accepts and parses its sockets itself, with no hook before its HTTP parser",
  );
  const { limits } = options;
  const counters = new NativeCounters();
  const ws = new BunWebSockets(options);

  async function handle(request: Request, server: BunShim.HttpServer): Promise<Response | undefined> {
    counters.requests++;
    counters.inFlight++;
    try {
      let status = checkHead(request.method, targetOf(request.url), request.headers, limits, true);
      // Bun joins a repeated Host into "a, b"; RFC 9112 §3.2 makes it a 400.
      if (request.headers.get("host")?.includes(",")) status = 400;
      if (status !== 0) return refusal(counters, status);
      if (request.url.charCodeAt(0) === 47) {
        // Bun gives an HTTP/1.0 request without Host a relative url ("/path");
        // Request.url is absolute everywhere else, and routers rely on it.
        request = new Request(`http://${server.hostname}:${server.port}${request.url}`, request);
      }
      const info = new BunServeInfo(server, request, options.loopId, ws);
      const upgraded = () => info.outcome instanceof BunSocket;
      const returned = await runHandler(options, request, info, counters, upgraded);
      if (info.outcome instanceof BunSocket) {
        // Bun wrote the 101; the handler's return value is ignored (WS1).
        counters.responded(101);
        info.outcome.start();
        return undefined;
      }
      const response = info.outcome === 426 ? versionRequired() : nativeResponse(returned!);
      counters.responded(response.status);
      if (counters.closing) closeAfter(response);
      return response;
    } finally {
      counters.finished();
    }
  }

  let tls: BunShim.TLSOptions[] | undefined;
  try {
    tls = options.tls === undefined ? undefined : bunServeTls(options.tls);
  } catch (err) {
    return Promise.reject(err);
  }
  let server: BunShim.HttpServer;
  try {
    server = Bun.serve({
      ...(tls === undefined ? {} : { tls }),
      hostname: options.hostname,
      port: options.port,
      reusePort: options.reusePort,
      maxRequestBodySize: limits.maxBodyBytes,
      idleTimeout: idleSeconds(limits.keepAliveTimeoutMs),
      development: false,
      fetch: handle,
      websocket: ws.bunHandler(),
      error: serverFailed(counters, "Bun.serve"),
    });
  } catch (err) {
    const code = (err as { code?: unknown })?.code;
    const bindError = tls === undefined || (typeof code === "string" && /^E[A-Z]+$/.test(code));
    return Promise.reject(
      bindError ? listenFailed(options.hostname, options.port, err) : tlsConfigFailed(err),
    );
  }
  ws.listen(server);

  return Promise.resolve({
    url: serverUrl(options.hostname, server.port, tls !== undefined),
    port: server.port,
    engine: "native",
    reloadTls(next) {
      if (tls === undefined) return Promise.reject(notTls());
      try {
        // Bun.serve's reload() takes new certificates for the handshakes after it.
        server.reload({ tls: bunServeTls(next) });
        return Promise.resolve();
      } catch (err) {
        return Promise.reject(isTriloopError(err) ? err : tlsConfigFailed(err));
      }
    },
    close: gracefulClose(
      counters,
      // stop(false): no new connections; in-flight requests finish; the
      // WebSockets get 1001 and close by their handshakes (WS9).
      () => Promise.all([server.stop(false), ws.shutdown()]).then(() => ws.stop()),
      async () => {
        const cut = Math.max(1, server.pendingRequests + ws.stats.open);
        await server.stop(true);
        ws.stop();
        return cut;
      },
      () => ws.stats.open,
    ),
    stats() {
      // Bun.serve reports no connections or bytes (see UNCOUNTED in _native.ts).
      return ws.addStats(counters.snapshot(0));
    },
  });
}
