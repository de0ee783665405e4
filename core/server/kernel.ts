/**
 * The kernel engine: triloop's HTTP/1.1 codec on the runtime's TCP listener,
 * the same code on every runtime (H1).
 *
 * @module
 */

import type { Adapter, Conn, Server, ShutdownReport, SocketHandler } from "../types.ts";
import type { ErrorCode } from "../errors.ts";
import { installGlobals } from "../fetch/globals.ts";
import { HttpConn } from "./http-conn.ts";
import { HttpServerCore } from "./server-core.ts";
import { serverUrl } from "../_shared/server-url.ts";
import { joinLoopTopics } from "../loops/context.ts";
import { WsServer } from "../ws/server.ts";
import { deliverHere } from "../ws/topics.ts";
import type { WebSocketHandler } from "../ws/types.ts";
import type { ResolvedServeOptions } from "./serve.ts";

/** The refusals of the PROXY step, counted by the listener (PX1, PX5, PX6). */
const PROXY_CODES: ErrorCode[] = [
  "TRI_ERR_PROXY_UNTRUSTED",
  "TRI_ERR_PROXY_INVALID",
  "TRI_ERR_PROXY_TIMEOUT",
];

/** The socket handler of one server: one object per listener, state on the connection. */
function socketHandler(core: HttpServerCore, conns: Set<Conn<HttpConn>>): SocketHandler<HttpConn> {
  const max = core.limits.maxConnections;
  return {
    open(conn) {
      const c = core.stats.connections;
      c.accepted++;
      if (max > 0 && conns.size >= max) {
        core.count("TRI_ERR_HTTP_MAX_CONNECTIONS");
        conn.close();
        return;
      }
      c.open++;
      conns.add(conn);
      conn.state = new HttpConn(core, conn);
    },
    data(conn, bytes) {
      core.stats.bytesRead += bytes.byteLength;
      conn.state?.data(bytes);
    },
    drain(conn) {
      conn.state?.drain();
    },
    timeout(conn) {
      // Only an upgraded connection arms the connection's own timer (WS7); HTTP uses the sweeper.
      conn.state?.onIdle();
    },
    end(conn) {
      if (conn.state === undefined) conn.end();
      else conn.state.end();
    },
    close(conn, err) {
      if (!conns.delete(conn)) return;
      const c = core.stats.connections;
      c.open--;
      c.closed++;
      if (err !== undefined && err.code !== "TRI_ERR_FORCED_CLOSE") core.count(err.code);
      conn.state.closed();
    },
  };
}

/** Serves `options.fetch` with the kernel codec on `runtime.listen`. */
export async function kernelEngine(runtime: Adapter, options: ResolvedServeOptions): Promise<Server> {
  if (options.overrideGlobalObjects) installGlobals();
  const core = new HttpServerCore(options);
  {
    // Always there: an upgrade may bring its own handlers (triloop/hono) when the server has none.
    core.ws = new WsServer(options.websocket ?? ({} as WebSocketHandler<unknown>), runtime.ws, {
      onError: (err) => core.onError(err, undefined),
      enter: (label) => core.watchdog?.enter(label),
    });
  }
  const conns = new Set<Conn<HttpConn>>();
  const listener = await runtime.listen(
    {
      hostname: options.hostname,
      port: options.port,
      reusePort: options.reusePort,
      tls: options.tls,
      ...options.proxy,
      // An upgraded connection may hold its whole backpressure limit (C3 would close it first).
      ...(core.ws === undefined
        ? {}
        : { maxBufferedBytes: Math.max(4 * 1024 * 1024, core.ws.maxBufferedBytes) }),
    },
    socketHandler(core, conns),
  );
  // WS8: with loops, publishes reach the subscribers of this server's twins on the other loops.
  const hub = core.ws.ctx.hub;
  const link = joinLoopTopics(
    listener.port,
    (topic, binary, payload) => deliverHere(hub, topic, binary, payload),
  );
  hub.relay = link;
  let closing: Promise<ShutdownReport> | undefined;
  return {
    url: serverUrl(options.hostname, listener.port, options.tls !== undefined),
    port: listener.port,
    engine: "kernel",
    close: ({ graceMs = 10_000 } = {}) => {
      link?.leave();
      return (closing ??= shutdown(core, conns, listener, graceMs));
    },
    reloadTls: (tls) => listener.reloadTls(tls),
    stats() {
      const s = structuredClone(core.stats);
      const l = listener.stats();
      s.bytesWritten = l.bytesWritten;
      // TL3: a failed handshake never became an HTTP connection; the listener counted it.
      const failed = l.errors.TRI_ERR_TLS_HANDSHAKE;
      if (failed !== undefined) s.errors.TRI_ERR_TLS_HANDSHAKE = failed;
      // Connections the PROXY step refused never reached the HTTP handler (PX1, PX5, PX6).
      for (const code of PROXY_CODES) if (l.errors[code] !== undefined) s.errors[code] = l.errors[code];
      if (core.ws.ctx.stats.opened > 0) s.websockets = { ...core.ws.ctx.stats };
      return s;
    },
  };
}

/**
 * Graceful close: stop accepting, end idle connections, let in-flight
 * requests finish (their responses say `connection: close`), and at the
 * deadline close what is left.
 */
async function shutdown(
  core: HttpServerCore,
  conns: Set<Conn<HttpConn>>,
  listener: { close(o?: { force?: boolean }): Promise<void> },
  graceMs: number,
): Promise<ShutdownReport> {
  const t0 = performance.now();
  const completed0 = core.completed;
  const ws = core.ws.ctx.stats;
  const wsOpen0 = ws.open;
  core.closing = true;
  await listener.close();
  for (const conn of conns) conn.state.shutdown();
  const busy = () => {
    let n = 0;
    for (const conn of conns) if (!conn.state.idle) n++;
    return n;
  };
  while (busy() > 0 && performance.now() - t0 < graceMs) {
    await new Promise((r) => setTimeout(r, 10));
    for (const conn of conns) conn.state.shutdown();
  }
  const forced = busy();
  const wsForced = ws.open;
  // Idle ones got our FIN already; whatever still lingers is closed now.
  for (const conn of conns) conn.close();
  // And those still reading their PROXY header (PX2): they never reached the HTTP handler.
  await listener.close({ force: true });
  core.watchdog?.stop();
  const report: ShutdownReport = {
    outcome: forced > 0 ? "forced" : "drained",
    completed: core.completed - completed0,
    forced,
    ms: Math.round(performance.now() - t0),
  };
  if (wsOpen0 > 0) report.websockets = { closed: wsOpen0 - wsForced, forced: wsForced };
  return report;
}
