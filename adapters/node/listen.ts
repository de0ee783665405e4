/**
 * The kernel on Node.js: `node:net` (https://nodejs.org/api/net.html).
 *
 * node:net buffers every write itself, so the transport takes all bytes and
 * reports `socket.writableLength` as its buffer; `'drain'` is the writable
 * signal. Sockets are created with `allowHalfOpen` so the core decides what a
 * peer's FIN means (S6), the same as on Bun and Deno.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import * as net from "node:net";
import * as tls from "node:tls";
import { ConnContext, Connection } from "../../core/connection.ts";
import { connectFailed, listenFailed } from "../../core/listen-error.ts";
import {
  type GateSink,
  type ProxiedAddresses,
  ProxyGate,
  type ProxyPolicy,
  type RefusalCounter,
} from "../../core/proxy/gate.ts";
import type { Conn, ConnectOptions, Listener, ListenOptions, SocketHandler } from "../../core/types.ts";
import { SocketTransport } from "../_socket-transport.ts";
import { clientTlsOptions, TlsAcceptor } from "./tls.ts";

/** A node:net socket as a core `Transport`. */
class NodeTransport extends SocketTransport<net.Socket> {
  write(bytes: Uint8Array): number {
    if (this.destroyed) return 0;
    this.socket.write(bytes);
    return bytes.byteLength;
  }
  writeTransient(bytes: Uint8Array): number {
    if (this.destroyed) return 0;
    // node:net may keep the chunk queued, so it gets a copy; allocUnsafe
    // takes small ones from Node's shared pool (no allocation of its own).
    const copy = Buffer.allocUnsafe(bytes.byteLength);
    copy.set(bytes);
    this.socket.write(copy);
    return bytes.byteLength;
  }
  get buffered(): number {
    return this.socket.writableLength;
  }
  shutdown(): void {
    this.socket.end();
  }
  protected end(): void {
    this.socket.destroy();
  }
}

/**
 * Wires a connected socket to a core connection (an accepted one, or one
 * node:http upgraded); `proxied`: what its PROXY header said (PX3).
 */
export function attach<S>(
  socket: net.Socket,
  ctx: ConnContext<S>,
  proxied?: ProxiedAddresses,
): Connection<S> {
  const conn = new Connection(ctx);
  socket.setNoDelay(true);
  socket.on("data", (bytes: Uint8Array) => conn.onData(bytes));
  socket.on("drain", () => conn.onWritable());
  socket.on("end", () => conn.onEnd());
  socket.on("finish", () => conn.onShutdown());
  let failure: unknown;
  socket.on("error", (err) => (failure = err));
  socket.on("close", () => conn.onClose(failure));
  conn.onOpen(new NodeTransport(socket), proxied);
  return conn;
}

/**
 * The PROXY step on the raw accepted socket (PX1–PX9), before anything else
 * reads it. `onward` gets the socket once its header is read, with the
 * bytes after the header: a TLS listener wraps the socket there (after
 * `socket.unshift(rest)`), so the header is read before the handshake.
 */
export function proxyGate(
  policy: ProxyPolicy,
  counter: RefusalCounter,
  onward: (socket: net.Socket, proxied: ProxiedAddresses | undefined, rest: Uint8Array) => void,
): (socket: net.Socket) => void {
  const sink: GateSink<net.Socket> = {
    accepted(socket, proxied, rest) {
      for (const event of ["data", "end", "close", "error"]) socket.removeAllListeners(event);
      onward(socket, proxied, rest);
    },
    refused: (socket) => socket.destroy(),
  };
  return (socket) => {
    const gate = new ProxyGate(policy, socket.remoteAddress ?? "", socket, sink, counter);
    if (gate.settled) return;
    socket.on("data", (bytes: Uint8Array) => gate.push(bytes));
    socket.on("end", () => gate.ended());
    socket.on("close", () => gate.ended());
    socket.on("error", () => {}); // 'close' follows
  };
}

/**
 * Puts `rest` back in front of the socket's readable side, for node:tls to
 * read when it wraps the socket (it takes what the socket holds already):
 * paused first, so the stream does not flow it out to no listener.
 */
export function unshiftRest(socket: net.Socket, rest: Uint8Array): void {
  socket.pause();
  socket.unshift(rest);
}

/**
 * Accepts TCP connections with node:net (L1, L2, L4), and with `tls` wraps
 * each in node:tls (TL1–TL8). Both take the same accept path: a raw socket
 * first, so a reader of the bytes before TLS (the PROXY protocol) has one
 * place to go — before `acceptor.accept` below.
 */
export function listen<S>(options: ListenOptions, handler: SocketHandler<S>): Promise<Listener> {
  const ctx = new ConnContext(handler, options);
  let acceptor: TlsAcceptor | undefined;
  try {
    acceptor = options.tls === undefined ? undefined : new TlsAcceptor(options.tls, []);
  } catch (err) {
    return Promise.reject(err);
  }
  const server = net.createServer({
    allowHalfOpen: true,
    pauseOnConnect: false,
    noDelay: true,
    highWaterMark: ctx.highWaterMark,
  });
  // PX2: the PROXY header first, on the raw socket; then TLS, then the connection.
  const start = (socket: net.Socket, proxied?: ProxiedAddresses, rest?: Uint8Array): void => {
    if (acceptor === undefined) {
      const conn = attach(socket, ctx, proxied);
      if (rest !== undefined && rest.byteLength > 0) conn.onData(rest);
      return;
    }
    if (rest !== undefined && rest.byteLength > 0) unshiftRest(socket, rest);
    acceptor.accept(socket, (secure) => attach(secure, ctx, proxied), () => ctx.handshakeFailed());
  };
  server.on(
    "connection",
    ctx.proxy === undefined ? (socket: net.Socket) => start(socket) : proxyGate(ctx.proxy, ctx, start),
  );
  const hostname = options.hostname ?? "0.0.0.0";
  return new Promise((resolve, reject) => {
    server.once("error", (err) => reject(listenFailed(hostname, options.port ?? 0, err)));
    server.listen(
      { host: hostname, port: options.port ?? 0, reusePort: options.reusePort ?? false, backlog: 511 },
      () => {
        const port = (server.address() as net.AddressInfo).port;
        resolve(ctx.listener(hostname, port, () => {
          // server.close() stops accepting at once, but its callback waits
          // for every connection to end; L2 promises only the former.
          if (server.listening) server.close();
          return new Promise<void>((done) => setImmediate(done));
        }, acceptor === undefined ? undefined : (t) => acceptor.reload(t)));
      },
    );
  });
}

/** Opens one TCP connection with node:net (L3). */
export function connect<S>(options: ConnectOptions, handler: SocketHandler<S>): Promise<Conn<S>> {
  const ctx = new ConnContext(handler, options);
  const hostname = options.hostname ?? "127.0.0.1";
  return new Promise((resolve, reject) => {
    const plain = {
      host: hostname,
      port: options.port,
      allowHalfOpen: true,
      noDelay: true,
      highWaterMark: ctx.highWaterMark,
    } as net.NetConnectOpts;
    const socket = options.tls === undefined
      ? net.connect(plain)
      : tls.connect({ ...plain, ...clientTlsOptions(hostname, options.tls) } as tls.ConnectionOptions);
    const fail = (err: Error) => reject(connectFailed(hostname, options.port, err));
    socket.once("error", fail);
    socket.once(options.tls === undefined ? "connect" : "secureConnect", () => {
      socket.off("error", fail);
      resolve(attach(socket, ctx));
    });
  });
}
