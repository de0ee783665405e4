/**
 * The kernel on Deno: `Deno.listen` / `Deno.connect`
 * (https://docs.deno.com/api/deno/~/Deno.listen, ~/Deno.TcpConn).
 *
 * Deno's sockets are pull-based (`read` resolves with bytes) and its writes are
 * promises that may take part of a buffer. This file turns them into the push
 * contract: one read loop per connection that stops reading while paused
 * (C6), and one write in flight at a time, whose completion is the writable
 * signal.
 *
 * @module
 */

import { ConnContext, Connection } from "../../core/connection.ts";
import { connectFailed, listenFailed } from "../../core/listen-error.ts";
import { type GateSink, type ProxiedAddresses, proxyBeforeTls, ProxyGate } from "../../core/proxy/gate.ts";
import type {
  Conn,
  ConnectOptions,
  Listener,
  ListenOptions,
  SocketHandler,
  Transport,
} from "../../core/types.ts";
import { tlsConfigFailed } from "../../core/tls.ts";
import { denoClientTls, denoServerTls, type DenoTls } from "./tls.ts";

/**
 * Reads go into a per-connection slab; each `data` gets a view of the bytes
 * just read and the next read continues after them, so handlers own their
 * bytes (S3) without a copy or an allocation per read. The first slab is
 * small, because every idle connection holds one while its read is pending
 * (most of Deno's memory per idle connection); a read that fills its space
 * doubles the next slab, up to `MAX_SLAB`.
 */
const FIRST_SLAB = 4 * 1024;
const MAX_SLAB = 64 * 1024;
/** A slab with less room than this left is replaced before the next read. */
const MIN_ROOM = 1024;

/**
 * Transient writes (C9) are copied into a slab from this loop's free list and
 * the slab returns when the write completes: one write is in flight per
 * connection, so a few slabs serve every connection of a loop, and an idle
 * connection holds none.
 */
const OUT_SLAB = 16 * 1024;
const freeSlabs: Uint8Array[] = [];
const MAX_FREE_SLABS = 64;

/** A Deno TCP connection as a core {@link Transport}, with its read loop. */
class DenoTransport implements Transport {
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localAddress: string;
  readonly localPort: number;
  #c: Deno.TcpConn | Deno.TlsConn;
  #conn: Connection<unknown>;
  #unsent = 0; // bytes of the chunk in flight not yet taken by the kernel
  #writing = false;
  #shutdownWanted = false;
  #closed = false;
  #paused = false;
  #wake: (() => void) | undefined;

  constructor(c: Deno.TcpConn | Deno.TlsConn, conn: Connection<unknown>) {
    this.#c = c;
    this.#conn = conn;
    const remote = c.remoteAddr as Deno.NetAddr;
    const local = c.localAddr as Deno.NetAddr;
    this.remoteAddress = remote.hostname;
    this.remotePort = remote.port;
    this.localAddress = local.hostname;
    this.localPort = local.port;
    try {
      (c as Deno.TcpConn).setNoDelay?.(true);
    } catch {
      // already closed by the peer; the read loop will see it
    }
  }

  write(bytes: Uint8Array): number {
    if (this.#closed || this.#writing) return 0;
    this.#send(bytes, undefined);
    return bytes.byteLength;
  }

  writeTransient(bytes: Uint8Array): number {
    if (this.#closed || this.#writing) return 0;
    const len = bytes.byteLength;
    if (len > OUT_SLAB) {
      this.#send(bytes.slice(), undefined);
      return len;
    }
    const slab = freeSlabs.pop() ?? new Uint8Array(OUT_SLAB);
    slab.set(bytes);
    this.#send(new Uint8Array(slab.buffer, 0, len), slab);
    return len;
  }

  get buffered(): number {
    return this.#unsent;
  }

  shutdown(): void {
    this.#shutdownWanted = true;
    if (!this.#writing) this.#closeWrite();
  }

  destroy(): void {
    if (this.#release()) queueMicrotask(() => this.#conn.onClose());
  }

  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    this.#paused = false;
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  /** Delivers reads until EOF, an error or close; waits while paused. */
  async readLoop(): Promise<void> {
    let size = FIRST_SLAB;
    let slab = new Uint8Array(size);
    let at = 0;
    while (!this.#closed) {
      if (this.#paused) await new Promise<void>((wake) => (this.#wake = wake));
      if (this.#closed) return;
      if (slab.byteLength - at < MIN_ROOM) {
        slab = new Uint8Array(size);
        at = 0;
      }
      // Views by constructor, not subarray() (half the cost on V8); a slab
      // always starts its buffer.
      const room = new Uint8Array(slab.buffer, at);
      let n: number | null;
      try {
        n = await this.#c.read(room);
      } catch (err) {
        if (!this.#closed) this.#fail(err);
        return;
      }
      if (n === null) {
        this.#conn.onEnd();
        return;
      }
      // A read that was under way when pause() ran: hold it until resume().
      if (this.#paused) await new Promise<void>((wake) => (this.#wake = wake));
      if (this.#closed) return;
      const bytes = new Uint8Array(slab.buffer, at, n);
      at += n;
      if (n === room.byteLength && size < MAX_SLAB) size *= 2;
      this.#conn.onData(bytes);
    }
  }

  /** Writes all of `bytes`; `slab` (theirs) goes back to the free list once the runtime is done with it. */
  async #send(bytes: Uint8Array, slab: Uint8Array | undefined): Promise<void> {
    this.#writing = true;
    let at = 0;
    this.#unsent = bytes.byteLength;
    try {
      while (at < bytes.byteLength) {
        at += await this.#c.write(at === 0 ? bytes : bytes.subarray(at));
        this.#unsent = bytes.byteLength - at;
      }
    } catch (err) {
      // A failed write may still be in the runtime's hands: the slab is not reused.
      this.#writing = false;
      if (!this.#closed) this.#fail(err);
      return;
    }
    if (slab !== undefined && freeSlabs.length < MAX_FREE_SLABS) freeSlabs.push(slab);
    this.#writing = false;
    if (this.#closed) return;
    if (this.#shutdownWanted) this.#closeWrite();
    else this.#conn.onWritable();
  }

  async #closeWrite(): Promise<void> {
    try {
      await this.#c.closeWrite();
    } catch (err) {
      if (!this.#closed) this.#fail(err);
      return;
    }
    this.#conn.onShutdown();
  }

  #fail(err: unknown): void {
    if (this.#release()) this.#conn.onClose(err);
  }

  /** Closes the connection and wakes a paused read loop; false if it was closed already. */
  #release(): boolean {
    if (this.#closed) return false;
    this.#closed = true;
    this.#unsent = 0;
    try {
      this.#c.close();
    } catch {
      // already closed
    }
    this.#wake?.();
    return true;
  }
}

function start<S>(
  c: Deno.TcpConn | Deno.TlsConn,
  ctx: ConnContext<S>,
  proxied?: ProxiedAddresses,
): Connection<S> {
  const conn = new Connection(ctx);
  const transport = new DenoTransport(c, conn as Connection<unknown>);
  conn.onOpen(transport, proxied);
  transport.readLoop();
  return conn;
}

/** What a gate's outcome leaves for {@link admit}. */
interface Admission {
  proxied?: ProxiedAddresses;
  accepted?: boolean;
}

const SINK: GateSink<[Deno.TcpConn, Admission]> = {
  accepted([, a], proxied) {
    a.accepted = true;
    a.proxied = proxied;
  },
  refused([c]) {
    try {
      c.close();
    } catch {
      // already closed
    }
  },
};

/**
 * The PROXY step (PX1–PX9) on the raw accepted connection, before anything
 * else reads it: reads of at most `gate.want()` bytes never take a byte past
 * the header. (With `tls`, Deno.listenTls decrypts before anything can read
 * the raw bytes: `listen` refuses the two together.)
 */
async function admit<S>(c: Deno.TcpConn, ctx: ConnContext<S>): Promise<void> {
  const a: Admission = {};
  const gate = new ProxyGate(ctx.proxy!, (c.remoteAddr as Deno.NetAddr).hostname, [c, a], SINK, ctx);
  while (!gate.settled) {
    const buf = new Uint8Array(gate.want());
    let n: number | null;
    try {
      n = await c.read(buf);
    } catch {
      n = null; // closed by the gate's timeout, or reset
    }
    if (n === null) gate.ended();
    else gate.push(buf.subarray(0, n));
  }
  if (a.accepted) start(c, ctx, a.proxied);
}

/**
 * Completes a server handshake before the connection starts (TL2), within
 * the timeout; a failure closes only this connection and is counted (TL3).
 */
async function secure<S>(c: Deno.TlsConn, ctx: ConnContext<S>, timeoutMs: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      c.handshake(),
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error("timed out")), timeoutMs))),
    ]);
  } catch {
    ctx.handshakeFailed();
    try {
      c.close();
    } catch {
      // already closed
    }
    return;
  } finally {
    clearTimeout(timer);
  }
  start(c, ctx);
}

/** Why the PROXY header cannot be read before TLS here (`capabilities.proxyBeforeTls`). */
export const PROXY_BEFORE_TLS =
  "Deno.listenTls decrypts before anything can read the raw bytes, so the PROXY header cannot come before the handshake";

/** Accepts TCP connections with Deno.listen (L1, L2, L4), with `tls` Deno.listenTls (TL1–TL8). */
export function listen<S>(options: ListenOptions, handler: SocketHandler<S>): Promise<Listener> {
  const ctx = new ConnContext(handler, options);
  const hostname = options.hostname ?? "0.0.0.0";
  let tls: DenoTls | undefined;
  try {
    if (ctx.proxy !== undefined && options.tls !== undefined) {
      throw proxyBeforeTls("Deno", PROXY_BEFORE_TLS);
    }
    tls = options.tls === undefined ? undefined : denoServerTls(options.tls, []);
  } catch (err) {
    return Promise.reject(err);
  }
  const bind = (port: number, t: DenoTls | undefined): Deno.Listener => {
    const where = {
      hostname,
      port,
      transport: "tcp" as const,
      // `reusePort` needs --unstable-net on Deno 2; only pass it when asked.
      ...(options.reusePort ? { reusePort: true } : {}),
    };
    return t === undefined ? Deno.listen(where) : Deno.listenTls({ ...where, ...t.options });
  };
  let server: Deno.Listener;
  try {
    server = bind(options.port ?? 0, tls);
  } catch (err) {
    const code = (err as { code?: unknown })?.code;
    const bindError = tls === undefined || (typeof code === "string" && code.startsWith("E"));
    return Promise.reject(bindError ? listenFailed(hostname, options.port ?? 0, err) : tlsConfigFailed(err));
  }
  const port = (server.addr as Deno.NetAddr).port;
  let closed = false;
  /** Set while a reload binds the port again. */
  let swapping: Promise<unknown> | undefined;
  const accepting = (async () => {
    while (!closed) {
      const from = server;
      let c: Deno.Conn;
      try {
        c = await from.accept();
      } catch (err) {
        if (closed) return;
        // Closed by a reload: accept on the new listener once it is bound.
        if (swapping !== undefined) await swapping;
        if (from !== server) continue;
        if (err instanceof Deno.errors.BadResource) return;
        // EMFILE and friends: back off a little instead of spinning.
        await new Promise((r) => setTimeout(r, 10));
        continue;
      }
      if (ctx.proxy !== undefined) void admit(c as Deno.TcpConn, ctx);
      else if (tls === undefined) start(c as Deno.TcpConn, ctx);
      else void secure(c as Deno.TlsConn, ctx, tls.resolved.handshakeTimeoutMs);
    }
  })();
  const stop = () => {
    try {
      server.close();
    } catch {
      // already closed
    }
  };
  return Promise.resolve(ctx.listener(
    hostname,
    port,
    async () => {
      if (!closed) {
        closed = true;
        stop();
      }
      await accepting;
    },
    tls === undefined ? undefined : (next) => {
      // RELOAD_REBINDS: a Deno TLS listener keeps its certificate for its life.
      let t: DenoTls;
      try {
        t = denoServerTls(next, []);
      } catch (err) {
        return Promise.reject(err);
      }
      if (closed) return Promise.resolve();
      stop();
      const swapped = rebind(() => bind(port, t)).then((next) => {
        server = next;
        tls = t;
      }, async (err) => {
        server = await rebind(() => bind(port, tls)); // not loadable (TL7): the old certificate serves again
        throw tlsConfigFailed(err);
      });
      swapping = swapped.catch(() => {}).finally(() => (swapping = undefined));
      return swapped;
    },
  ));
}

/**
 * Binds again the port a listener just closed: Deno frees it once the
 * pending accept has settled, a moment later (AddrInUse until then).
 */
async function rebind(bind: () => Deno.Listener): Promise<Deno.Listener> {
  for (let tries = 0;; tries++) {
    try {
      return bind();
    } catch (err) {
      if (!(err instanceof Deno.errors.AddrInUse) || tries >= 100) throw err;
      await new Promise((r) => setTimeout(r, 2));
    }
  }
}

/** Opens one TCP connection with Deno.connect (L3), with `tls` Deno.connectTls. */
export async function connect<S>(options: ConnectOptions, handler: SocketHandler<S>): Promise<Conn<S>> {
  const ctx = new ConnContext(handler, options);
  const hostname = options.hostname ?? "127.0.0.1";
  let c: Deno.TcpConn | Deno.TlsConn;
  try {
    if (options.tls === undefined) c = await Deno.connect({ hostname, port: options.port, transport: "tcp" });
    else {
      c = await Deno.connectTls({ hostname, port: options.port, ...denoClientTls(options.tls) });
      await c.handshake();
    }
  } catch (err) {
    throw connectFailed(hostname, options.port, err);
  }
  return start(c, ctx);
}
