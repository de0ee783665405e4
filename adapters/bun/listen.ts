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
import type { Conn, ConnectOptions, Listener, ListenOptions, SocketHandler } from "../../core/types.ts";
import { SocketTransport } from "../_socket-transport.ts";

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

/** One Bun handler object per listener; the connection rides on `socket.data`. */
function socketHandler<S>(
  ctx: ConnContext<S>,
  onOpen?: (conn: Connection<S>) => void,
): BunShim.SocketHandler<Connection<unknown>> {
  return {
    open(socket) {
      const conn = new Connection(ctx);
      socket.data = conn as Connection<unknown>;
      conn.onOpen(new BunTransport(socket));
      onOpen?.(conn);
    },
    data: (socket, bytes) => socket.data.onData(bytes),
    drain: (socket) => socket.data.onWritable(),
    end: (socket) => socket.data.onEnd(),
    close(socket, error) {
      const conn = socket.data;
      if (conn === undefined) return;
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

/** Accepts TCP connections with Bun.listen (L1, L2, L4). */
export function listen<S>(options: ListenOptions, handler: SocketHandler<S>): Promise<Listener> {
  const ctx = new ConnContext(handler, options);
  const hostname = options.hostname ?? "0.0.0.0";
  let server: BunShim.TCPSocketListener;
  try {
    server = Bun.listen({
      hostname,
      port: options.port ?? 0,
      reusePort: options.reusePort ?? false,
      allowHalfOpen: true,
      socket: socketHandler(ctx),
    });
  } catch (err) {
    return Promise.reject(listenFailed(hostname, options.port ?? 0, err));
  }
  return Promise.resolve(ctx.listener(hostname, server.port, () => {
    server.stop(false);
    return Promise.resolve();
  }));
}

/** Opens one TCP connection with Bun.connect (L3). */
export async function connect<S>(options: ConnectOptions, handler: SocketHandler<S>): Promise<Conn<S>> {
  const ctx = new ConnContext(handler, options);
  const hostname = options.hostname ?? "127.0.0.1";
  let opened: Connection<S> | undefined;
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
