/**
 * The kernel on Bun: `Bun.listen` / `Bun.connect` (https://bun.sh/docs/api/tcp).
 *
 * Bun's `socket.write` returns how many bytes the kernel took and buffers
 * nothing, so the core keeps the rest and flushes it on `drain`. Bun's
 * `shutdown()` is the half-close, `end()` the full close (it closes at once,
 * with no RST), `terminate()` a reset; we never reset.
 *
 * @module
 */

/// <reference path="./_bun.d.ts" />

import { ConnContext, Connection } from "../../core/connection.ts";
import { connectFailed, listenFailed } from "../../core/listen-error.ts";
import { type GateSink, proxyBeforeTls, ProxyGate } from "../../core/proxy/gate.ts";
import type { Conn, ConnectOptions, Listener, ListenOptions, SocketHandler } from "../../core/types.ts";
import { SocketTransport } from "../_socket-transport.ts";
import { tlsConfigFailed } from "../../core/tls.ts";
import { bunClientTls, bunServerTls } from "./tls.ts";

type Socket = BunShim.Socket<Connection<unknown>>;

/** A Bun socket as a core `Transport`. */
class BunTransport extends SocketTransport<Socket> {
  write(bytes: Uint8Array): number {
    if (this.destroyed) return 0;
    const n = this.socket.write(bytes);
    return n > 0 ? n : 0;
  }
  /** Bun copies what it takes into the kernel during the call; the core copies the rest. */
  writeTransient(bytes: Uint8Array): number {
    return this.write(bytes);
  }
  get buffered(): number {
    return 0;
  }
  shutdown(): void {
    this.socket.shutdown();
    // Nothing is buffered in Bun: the FIN is queued behind the bytes already
    // taken. Report it on a later tick so no callback runs inside end().
    const conn = this.socket.data;
    queueMicrotask(() => conn.onShutdown());
  }
  protected end(): void {
    this.socket.end();
  }
}

/** Makes the core connection of a Bun socket. */
function start<S>(socket: Socket, ctx: ConnContext<S>, onOpen?: (conn: Connection<S>) => void): void {
  const conn = new Connection(ctx);
  socket.data = conn as Connection<unknown>;
  conn.onOpen(new BunTransport(socket));
  onOpen?.(conn);
}

/** What a TLS socket handler does besides: when the connection starts, and what a failed handshake does. */
interface TlsHooks {
  /** A server's handshake timeout, in ms. */
  timeoutMs?: number;
  /** The handshake failed or timed out (TL3); the socket is being closed. */
  failed(err: unknown): void;
  /** A client refuses an unverified server. */
  client: boolean;
}

/** A server socket's handshake timer, then `"done"` once the handshake was counted either way. */
const HANDSHAKE = Symbol("triloop.handshake");
type Pending = Socket & { [HANDSHAKE]?: ReturnType<typeof setTimeout> | "done" };

/** Ends the handshake's timer; false if the handshake already ended (the timer fired). */
function handshakeEnded(socket: Socket): boolean {
  const s = socket as Pending;
  const was = s[HANDSHAKE];
  if (was === "done") return false;
  clearTimeout(was);
  s[HANDSHAKE] = "done";
  return true;
}

/** One Bun handler object per listener; the connection rides on `socket.data`. */
function socketHandler<S>(
  ctx: ConnContext<S>,
  onOpen?: (conn: Connection<S>) => void,
  tls?: TlsHooks,
): BunShim.SocketHandler<Connection<unknown>> {
  return {
    open(socket) {
      if (tls === undefined) return start(socket, ctx, onOpen);
      // TL2: the connection starts at the handshake (Bun drops what is written before it).
      if (tls.timeoutMs !== undefined) {
        (socket as Pending)[HANDSHAKE] = setTimeout(() => {
          if (!handshakeEnded(socket)) return;
          tls.failed(new Error("the TLS handshake timed out"));
          socket.end();
        }, tls.timeoutMs);
      }
    },
    handshake(socket, success, authorizationError) {
      if (tls === undefined || !handshakeEnded(socket)) return;
      // A server's authorizationError is about a client certificate, which it never asks for.
      if (success && !(tls.client && authorizationError !== null)) return start(socket, ctx, onOpen);
      tls.failed(authorizationError ?? new Error("the TLS handshake failed"));
      socket.end();
    },
    data: (socket, bytes) => socket.data.onData(bytes),
    drain: (socket) => socket.data.onWritable(),
    end: (socket) => socket.data.onEnd(),
    close(socket, error) {
      const conn = socket.data;
      if (conn === undefined) {
        // Gone before the handshake ended (TL3), unless that was counted already.
        if (tls !== undefined && handshakeEnded(socket)) {
          tls.failed(error ?? new Error("closed during the TLS handshake"));
        }
        return;
      }
      // Once our side is shut down, Bun reports the peer's FIN as a plain
      // close without calling `end`; report the FIN first so the core sees
      // the orderly exchange (S6) it is.
      if (error === undefined) conn.onEnd();
      conn.onClose(error);
    },
    error: () => {
      // Bun calls close() after error(); the error is reported there.
    },
  };
}

/**
 * The PROXY step (PX1–PX9): while a socket's header is being read,
 * `socket.data` is its gate; once read, the connection takes its place.
 * Bun.listen's own `tls` decrypts before `data`, so the header cannot be read
 * before a handshake there: `listen` refuses `proxyProtocol` with `tls`.
 */
function gated<S>(ctx: ConnContext<S>, h: BunShim.SocketHandler<Connection<unknown>>) {
  const sink: GateSink<Socket> = {
    accepted(socket, proxied, rest) {
      const conn = new Connection(ctx);
      socket.data = conn as Connection<unknown>;
      conn.onOpen(new BunTransport(socket), proxied);
      if (rest.byteLength > 0) conn.onData(rest);
    },
    refused: (socket) => socket.end(),
  };
  const handler: BunShim.SocketHandler<Connection<unknown> | ProxyGate<Socket>> = {
    open(socket) {
      const gate = new ProxyGate(ctx.proxy!, socket.remoteAddress, socket as Socket, sink, ctx);
      if (!gate.settled) socket.data = gate;
    },
    data(socket, bytes) {
      const d = socket.data;
      if (d instanceof ProxyGate) d.push(bytes);
      else d?.onData(bytes);
    },
    drain: (socket) => (socket.data instanceof ProxyGate ? undefined : socket.data?.onWritable()),
    end: (socket) => (socket.data instanceof ProxyGate ? socket.data.ended() : socket.data?.onEnd()),
    close(socket, error) {
      if (socket.data instanceof ProxyGate) socket.data.ended();
      else h.close!(socket as Socket, error);
    },
    error: () => {},
  };
  return handler as BunShim.SocketHandler<unknown> as BunShim.SocketHandler<Connection<unknown>>;
}

/** Why the PROXY header cannot be read before TLS here (`capabilities.proxyBeforeTls`). */
export const PROXY_BEFORE_TLS =
  "Bun.listen decrypts before its data callback, so the PROXY header cannot come before the handshake";

/** Accepts TCP connections with Bun.listen (L1, L2, L4), with `tls` over Bun's TLS (TL1–TL8). */
export function listen<S>(options: ListenOptions, handler: SocketHandler<S>): Promise<Listener> {
  const ctx = new ConnContext(handler, options);
  const hostname = options.hostname ?? "0.0.0.0";
  let tls: ReturnType<typeof bunServerTls> | undefined;
  try {
    if (ctx.proxy !== undefined && options.tls !== undefined) {
      throw proxyBeforeTls("Bun", PROXY_BEFORE_TLS);
    }
    tls = options.tls === undefined ? undefined : bunServerTls(options.tls, []);
  } catch (err) {
    return Promise.reject(err);
  }
  const socket = socketHandler(
    ctx,
    undefined,
    tls === undefined ? undefined : {
      timeoutMs: tls.resolved.handshakeTimeoutMs,
      failed: () => ctx.handshakeFailed(),
      client: false,
    },
  );
  const bind = (port: number, t: BunShim.TLSOptions | undefined) =>
    Bun.listen({
      hostname,
      port,
      reusePort: options.reusePort ?? false,
      allowHalfOpen: true,
      ...(t === undefined ? {} : { tls: t }),
      socket: ctx.proxy === undefined ? socket : gated(ctx, socket),
    });
  let server: BunShim.TCPSocketListener;
  try {
    server = bind(options.port ?? 0, tls?.options);
  } catch (err) {
    return Promise.reject(
      tls === undefined
        ? listenFailed(hostname, options.port ?? 0, err)
        : bunTlsFailed(hostname, options.port ?? 0, err),
    );
  }
  let stopped = false;
  return Promise.resolve(ctx.listener(
    hostname,
    server.port,
    () => {
      stopped = true;
      server.stop(false);
      return Promise.resolve();
    },
    tls === undefined ? undefined : (next) => {
      // RELOAD_REBINDS: Bun keeps a listener's certificate for its life.
      let t: BunShim.TLSOptions;
      try {
        t = bunServerTls(next, []).options;
      } catch (err) {
        return Promise.reject(err);
      }
      if (stopped) return Promise.resolve();
      const port = server.port;
      server.stop(false);
      try {
        server = bind(port, t);
      } catch (err) {
        // Not loadable (TL7): the old certificate serves again.
        server = bind(port, tls!.options);
        return Promise.reject(tlsConfigFailed(err));
      }
      tls = { options: t, resolved: tls!.resolved };
      return Promise.resolve();
    },
  ));
}

/** A bind that failed: a certificate Bun cannot load is TL7, anything else a listen failure. */
function bunTlsFailed(hostname: string, port: number, err: unknown) {
  const code = (err as { code?: unknown })?.code;
  return typeof code === "string" && /^E[A-Z]+$/.test(code) && code !== "ERR_INVALID_ARG_TYPE"
    ? listenFailed(hostname, port, err)
    : tlsConfigFailed(err);
}

/** Opens one TCP connection with Bun.connect (L3), with `tls` over Bun's TLS. */
export async function connect<S>(options: ConnectOptions, handler: SocketHandler<S>): Promise<Conn<S>> {
  const ctx = new ConnContext(handler, options);
  const hostname = options.hostname ?? "127.0.0.1";
  let opened: Connection<S> | undefined;
  if (options.tls === undefined) {
    try {
      await Bun.connect({
        hostname,
        port: options.port,
        allowHalfOpen: true,
        socket: socketHandler(ctx, (conn) => (opened = conn)),
      });
    } catch (err) {
      throw connectFailed(hostname, options.port, err);
    }
    return opened!;
  }
  let secured!: { resolve(c: Connection<S>): void; reject(e: unknown): void };
  const done = new Promise<Connection<S>>((resolve, reject) => (secured = { resolve, reject }));
  const socket = socketHandler(ctx, (conn) => secured.resolve(conn), {
    failed: (err) => secured.reject(connectFailed(hostname, options.port, err)),
    client: true,
  });
  try {
    await Bun.connect({
      hostname,
      port: options.port,
      allowHalfOpen: true,
      tls: bunClientTls(hostname, options.tls),
      socket,
    });
  } catch (err) {
    throw connectFailed(hostname, options.port, err);
  }
  return done;
}
