/**
 * The core half of every connection: the whole {@link Conn} contract, written
 * once. An adapter supplies a {@link Transport} (what its runtime can do) and
 * calls the `on*` methods when its runtime reports an event; everything that
 * must behave alike on every runtime — buffering, backpressure, the hard cap,
 * half-close, idle timeouts, error isolation, close-once — lives here.
 *
 * @module
 */

import { TriloopError } from "./errors.ts";
import type { ErrorCode } from "./errors.ts";
import * as sweeper from "./idle-sweeper.ts";
import { notTls } from "./tls.ts";
import type { Idle } from "./idle-sweeper.ts";
import {
  type ProxiedAddresses,
  type ProxyGate,
  type ProxyOptions,
  type ProxyPolicy,
  resolveProxy,
} from "./proxy/gate.ts";
import type {
  Conn,
  ConnOptions,
  Listener,
  ListenerStats,
  ServerTls,
  ShutdownReport,
  SocketHandler,
  Transport,
} from "./types.ts";

// Module-level copies of imported values used on every request: V8 reads an
// imported binding through its module cell, with a TDZ check, at every use; a
// module-level const it folds into the compiled code (see http1/parser.ts).
const { loopSweeper } = sweeper;

const KiB = 1024;
const MiB = 1024 * KiB;

/** Chunks smaller than this are merged before being handed to the runtime. */
const COALESCE_BELOW = 16 * KiB;
const COALESCE_MAX = 64 * KiB;

const encoder = new TextEncoder();

// Connection flags (one number, not a dozen booleans: smaller objects).
const PAUSED = 1;
const PEER_ENDED = 2; // the peer sent FIN
const ENDING = 4; // the handler called end()
const SHUTDOWN_SENT = 8; // transport.shutdown() was called
const SHUTDOWN_DONE = 16; // our FIN is out
const CLOSED = 32; // no callback but `close` runs any more
const REPORTED = 64; // `close` ran
const NEED_DRAIN = 128; // a write returned false
const END_HELD = 256; // the peer's FIN arrived while paused with bytes held
const STOP_ASKED = 512; // a graceful stop asked it to end (S9: once)

/**
 * What the connections of one listener (or one `connect`) share: the handler,
 * the options and the counters. One object per listener, not per connection.
 */
export class ConnContext<S = unknown> {
  readonly handler: SocketHandler<S>;
  readonly highWaterMark: number;
  readonly lowWaterMark: number;
  readonly maxBufferedBytes: number;
  readonly idleTimeout: number;
  readonly onError: (err: unknown, conn: Conn<unknown>) => void;
  /** The PROXY protocol step every accepted connection goes through first, if configured (PX1–PX9). */
  readonly proxy: ProxyPolicy | undefined;
  readonly conns: Set<Connection<S>> = new Set();
  readonly stats: ListenerStats = {
    accepted: 0,
    open: 0,
    closed: 0,
    bytesRead: 0,
    bytesWritten: 0,
    errors: {},
  };
  /** Gates still reading a PROXY header (PX2): a forced close ends them too (L2). */
  readonly gates: Set<ProxyGate<unknown>> = new Set();
  /** Set once a graceful stop began: a connection that opens later is asked to end at once (S9, S10). */
  stopping = false;
  /** @internal Runs when the last open connection is released, while a shutdown waits for it. */
  onEmpty: (() => void) | undefined;
  #shutdown: Promise<ShutdownReport> | undefined;

  constructor(handler: SocketHandler<S>, options: ConnOptions & ProxyOptions = {}) {
    if (typeof handler?.data !== "function") {
      throw new TriloopError("TRI_ERR_INVALID_ARG", "The handler must have a 'data' function");
    }
    this.handler = handler;
    this.highWaterMark = positive(options.highWaterMark, 64 * KiB, "highWaterMark");
    this.lowWaterMark = Math.min(
      positive(options.lowWaterMark, this.highWaterMark >>> 2, "lowWaterMark", true),
      this.highWaterMark,
    );
    this.maxBufferedBytes = Math.max(
      positive(options.maxBufferedBytes, 4 * MiB, "maxBufferedBytes"),
      this.highWaterMark,
    );
    this.idleTimeout = positive(options.idleTimeout, 0, "idleTimeout", true);
    this.onError = options.onError ?? defaultOnError;
    this.proxy = resolveProxy(options);
  }

  /**
   * Counts a connection refused before it became one (its PROXY step
   * failed, PX1, PX5, PX6): accepted and closed at once, with its error.
   */
  refuse(err: TriloopError): void {
    const s = this.stats;
    s.accepted++;
    s.closed++;
    s.errors[err.code] = (s.errors[err.code] ?? 0) + 1;
  }

  /** Closes every open connection with `TRI_ERR_FORCED_CLOSE`, and every one still in its PROXY step. */
  closeAll(): void {
    for (const gate of [...this.gates]) gate.cancel();
    for (const conn of this.conns) {
      conn.close(new TriloopError("TRI_ERR_FORCED_CLOSE"));
    }
  }

  /**
   * The {@link Listener} of a bound socket, the same on every runtime:
   * `stopAccepting` closes the socket (it resolves once no accept can
   * follow); `close({ force })` also closes every open connection (L2), and
   * the graceful stop and the counters are this context's.
   */
  listener(
    hostname: string,
    port: number,
    stopAccepting: () => Promise<void>,
    reloadTls: (tls: ServerTls) => Promise<void> = () => Promise.reject(notTls()),
  ): Listener {
    return {
      hostname,
      port,
      close: ({ force = false } = {}) => {
        const stopped = stopAccepting();
        if (force) this.closeAll();
        return stopped;
      },
      shutdown: (o) => this.shutdown(stopAccepting, o),
      stats: () => structuredClone(this.stats),
      reloadTls,
    };
  }

  /** A TLS handshake failed or timed out before any connection was made of it (TL3). */
  handshakeFailed(): void {
    const e = this.stats.errors;
    e.TRI_ERR_TLS_HANDSHAKE = (e.TRI_ERR_TLS_HANDSHAKE ?? 0) + 1;
  }

  /**
   * A listener's graceful stop (L5): `stopAccepting` is the listener's
   * `close`; then every open connection is asked to end (S9, S10).
   */
  shutdown(stopAccepting: () => Promise<void>, options?: { graceMs?: number }): Promise<ShutdownReport> {
    return (this.#shutdown ??= this.#drain(stopAccepting, options?.graceMs ?? 10_000));
  }

  async #drain(stopAccepting: () => Promise<void>, graceMs: number): Promise<ShutdownReport> {
    const t0 = performance.now();
    const closed0 = this.stats.closed;
    this.stopping = true;
    await stopAccepting();
    for (const conn of [...this.conns]) conn.onStop();
    if (this.conns.size > 0) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        this.onEmpty = resolve;
        timer = setTimeout(resolve, graceMs);
      });
      clearTimeout(timer);
      this.onEmpty = undefined;
    }
    const completed = this.stats.closed - closed0;
    const forced = this.conns.size;
    if (forced > 0) this.closeAll();
    return {
      outcome: forced > 0 ? "forced" : "drained",
      completed,
      forced,
      ms: Math.round(performance.now() - t0),
    };
  }
}

let nextId = 1;

/**
 * A connection: the {@link Conn} the handler sees, plus the `on*` methods its
 * adapter calls.
 */
export class Connection<S = unknown> implements Conn<S>, Idle {
  state: S = undefined as S;
  readonly id: number = nextId++;
  /** @internal the idle timeout (see IdleSweeper). */
  idleMs = 0;
  /** @internal */
  lastActive = 0;
  /** @internal */
  quietSince = 0;
  /** @internal */
  seenActive = 0;
  /** @internal */
  sweep = 0;

  #ctx: ConnContext<S>;
  #t!: Transport;
  #flags = 0;
  #pending: Uint8Array[] = [];
  #head = 0;
  #pendingBytes = 0;
  #held: Uint8Array[] | undefined;
  #closeErr: TriloopError | undefined;
  /** The addresses a PROXY header named (PX3), in place of the transport's. */
  #proxied: ProxiedAddresses | undefined;

  constructor(ctx: ConnContext<S>) {
    this.#ctx = ctx;
  }

  get readyState(): "open" | "ending" | "closed" {
    const f = this.#flags;
    return f & CLOSED ? "closed" : f & ENDING ? "ending" : "open";
  }

  get bufferedAmount(): number {
    return this.#pendingBytes + (this.#flags & CLOSED ? 0 : this.#t.buffered);
  }

  get remoteAddress(): string {
    return this.#proxied?.remote.address ?? this.#t.remoteAddress;
  }
  get remotePort(): number {
    return this.#proxied?.remote.port ?? this.#t.remotePort;
  }
  get localAddress(): string {
    return this.#proxied?.local.address ?? this.#t.localAddress;
  }
  get localPort(): number {
    return this.#proxied?.local.port ?? this.#t.localPort;
  }

  write(data: Uint8Array | string): boolean {
    if (this.#flags & (ENDING | CLOSED)) return false;
    return this.#write(typeof data === "string" ? encoder.encode(data) : data);
  }

  writeTransient(bytes: Uint8Array): boolean {
    if (this.#flags & (ENDING | CLOSED)) return false;
    const t = this.#t;
    if (t.writeTransient === undefined) return this.#write(bytes.slice());
    return this.#write(bytes, t);
  }

  /** `transient`: the bytes are the caller's (C9); write them through it, copy what is kept. */
  #write(bytes: Uint8Array, transient?: Transport): boolean {
    const ctx = this.#ctx;
    const len = bytes.byteLength;
    if (len > 0) {
      if (this.bufferedAmount + len > ctx.maxBufferedBytes) {
        this.#fail(
          "TRI_ERR_OUTPUT_OVERFLOW",
          `Buffered output would pass ${ctx.maxBufferedBytes} bytes; the writer ignored backpressure`,
        );
        return false;
      }
      this.lastActive = loopSweeper.epoch;
      ctx.stats.bytesWritten += len;
      if (this.#pendingBytes === 0) {
        const n = transient === undefined ? this.#t.write(bytes) : transient.writeTransient!(bytes);
        if (n < len) {
          const rest = n === 0 ? bytes : bytes.subarray(n);
          this.#push(transient === undefined ? rest : rest.slice());
        }
      } else {
        this.#push(transient === undefined ? bytes : bytes.slice());
      }
    }
    if (this.bufferedAmount >= ctx.highWaterMark) {
      this.#flags |= NEED_DRAIN;
      return false;
    }
    return true;
  }

  end(data?: Uint8Array | string): void {
    if (this.#flags & (ENDING | CLOSED)) return;
    if (data !== undefined) this.write(data);
    if (this.#flags & CLOSED) return; // the write overflowed
    this.#flags |= ENDING;
    this.#maybeShutdown();
  }

  close(err?: TriloopError): void {
    if (this.#flags & CLOSED) return;
    this.#flags |= CLOSED;
    this.#closeErr = err;
    this.#release();
    this.#t.destroy();
    // C5: the callback never runs inside close(); the adapter's own close
    // event, which may come synchronously from destroy(), is ignored.
    queueMicrotask(() => this.#report(this.#closeErr));
  }

  pause(): void {
    if (this.#flags & (PAUSED | CLOSED)) return;
    this.#flags |= PAUSED;
    this.#t.pause();
  }

  resume(): void {
    if (!(this.#flags & PAUSED) || this.#flags & CLOSED) return;
    this.#flags &= ~PAUSED;
    if (this.#held !== undefined) {
      queueMicrotask(() => this.#deliverHeld());
    } else {
      this.#t.resume();
    }
  }

  setTimeout(ms: number): void {
    if (!(ms >= 0)) throw new TriloopError("TRI_ERR_INVALID_ARG", `Timeout must be >= 0, got ${ms}`);
    this.idleMs = ms;
    if (this.#flags & CLOSED) return;
    if (ms > 0) loopSweeper.arm(this);
    else loopSweeper.disarm(this);
  }

  // ---- called by adapters -------------------------------------------------

  /**
   * @internal The adapter's transport is ready; runs `open`. `proxied`: the
   * addresses its PROXY header named (PX3).
   */
  onOpen(transport: Transport, proxied?: ProxiedAddresses): void {
    this.#t = transport;
    this.#proxied = proxied;
    const ctx = this.#ctx;
    ctx.conns.add(this);
    ctx.stats.accepted++;
    ctx.stats.open++;
    if (ctx.idleTimeout > 0) this.setTimeout(ctx.idleTimeout);
    const h = ctx.handler;
    if (h.open !== undefined) {
      try {
        h.open(this);
      } catch (err) {
        this.#threw(err);
      }
    }
    // Accepted before a graceful stop began, opened after it (its PROXY header came late): stop it too.
    if (ctx.stopping) this.onStop();
  }

  /** @internal Bytes arrived; they are the handler's from now on (S3). */
  onData(bytes: Uint8Array): void {
    const f = this.#flags;
    if (f & (CLOSED | PEER_ENDED)) return;
    this.lastActive = loopSweeper.epoch;
    this.#ctx.stats.bytesRead += bytes.byteLength;
    if (f & PAUSED) {
      // The runtime delivered a read that was already under way; hold it.
      (this.#held ??= []).push(bytes);
      return;
    }
    try {
      this.#ctx.handler.data(this, bytes);
    } catch (err) {
      this.#threw(err);
    }
  }

  /** @internal The runtime can take more bytes. */
  onWritable(): void {
    if (this.#flags & CLOSED) return;
    this.#flush();
    if (this.#flags & CLOSED) return;
    this.#maybeShutdown();
    if (this.#flags & NEED_DRAIN && this.bufferedAmount <= this.#ctx.lowWaterMark) {
      this.#flags &= ~NEED_DRAIN;
      const h = this.#ctx.handler;
      if (h.drain !== undefined) {
        try {
          h.drain(this);
        } catch (err) {
          this.#threw(err);
        }
      }
    }
  }

  /** @internal The peer half-closed. */
  onEnd(): void {
    const f = this.#flags;
    if (f & (CLOSED | PEER_ENDED)) return;
    if (f & PAUSED && this.#held !== undefined) {
      this.#flags |= END_HELD;
      return;
    }
    this.#flags |= PEER_ENDED;
    const h = this.#ctx.handler;
    if (h.end !== undefined) {
      try {
        h.end(this);
      } catch (err) {
        this.#threw(err);
        return;
      }
    } else {
      this.end();
    }
    this.#maybeFinish();
  }

  /** @internal Our FIN is out. */
  onShutdown(): void {
    this.#flags |= SHUTDOWN_DONE;
    this.#maybeFinish();
  }

  /** @internal The runtime closed the socket (reset, error, or after destroy). */
  onClose(cause?: unknown): void {
    if (this.#flags & CLOSED) return;
    this.#flags |= CLOSED;
    this.#release();
    let err: TriloopError | undefined;
    if (cause !== undefined || this.#pendingBytes > 0) {
      err = new TriloopError("TRI_ERR_CONN_RESET", describe(cause), { cause });
    } else if (!(this.#flags & PEER_ENDED) || (this.#flags & ENDING && !(this.#flags & SHUTDOWN_DONE))) {
      // The socket went away without an orderly exchange of FINs.
      err = new TriloopError("TRI_ERR_CONN_RESET", "The connection closed unexpectedly");
    }
    this.#report(err);
  }

  /** @internal A graceful stop began (S9); without a `shutdown` callback, end (S10). */
  onStop(): void {
    if (this.#flags & (CLOSED | STOP_ASKED)) return;
    this.#flags |= STOP_ASKED;
    const h = this.#ctx.handler;
    if (h.shutdown === undefined) {
      this.end();
      return;
    }
    try {
      h.shutdown(this);
    } catch (err) {
      this.#threw(err);
    }
  }

  /** @internal The idle timeout passed (S8). */
  onIdle(): void {
    if (this.#flags & CLOSED) return;
    const h = this.#ctx.handler;
    if (h.timeout === undefined) {
      this.#fail("TRI_ERR_IDLE_TIMEOUT", `No activity for ${this.idleMs} ms`);
      return;
    }
    try {
      h.timeout(this);
    } catch (err) {
      this.#threw(err);
    }
  }

  // ---- internals -----------------------------------------------------------

  #push(bytes: Uint8Array): void {
    this.#pending.push(bytes);
    this.#pendingBytes += bytes.byteLength;
  }

  #flush(): void {
    const q = this.#pending;
    while (this.#head < q.length) {
      let chunk = q[this.#head];
      if (chunk.byteLength < COALESCE_BELOW && this.#head + 1 < q.length) {
        chunk = this.#coalesce();
      }
      const n = this.#t.write(chunk);
      this.#pendingBytes -= n;
      if (n < chunk.byteLength) {
        q[this.#head] = n === 0 ? chunk : chunk.subarray(n);
        break;
      }
      this.#head++;
    }
    if (this.#head === q.length) {
      q.length = 0;
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > q.length) {
      q.splice(0, this.#head);
      this.#head = 0;
    }
  }

  /** Merges the small chunks at the head of the queue into one (fewer syscalls). */
  #coalesce(): Uint8Array {
    const q = this.#pending;
    let end = this.#head;
    let size = 0;
    while (end < q.length && size + q[end].byteLength <= COALESCE_MAX) size += q[end++].byteLength;
    if (end - this.#head < 2) return q[this.#head];
    const merged = new Uint8Array(size);
    let at = 0;
    for (let i = this.#head; i < end; i++) {
      merged.set(q[i], at);
      at += q[i].byteLength;
    }
    q.splice(this.#head, end - this.#head, merged);
    return merged;
  }

  #maybeShutdown(): void {
    const f = this.#flags;
    if (f & ENDING && !(f & SHUTDOWN_SENT) && this.#pendingBytes === 0) {
      this.#flags |= SHUTDOWN_SENT;
      this.#t.shutdown();
    }
  }

  #maybeFinish(): void {
    const f = this.#flags;
    if (f & SHUTDOWN_DONE && f & PEER_ENDED && !(f & CLOSED)) {
      // Both FINs are out: an orderly close. The adapter reports onClose().
      this.#t.destroy();
    }
  }

  #deliverHeld(): void {
    const held = this.#held;
    this.#held = undefined;
    if (held !== undefined) {
      for (const bytes of held) {
        if (this.#flags & (CLOSED | PAUSED)) {
          // Paused (or closed) again while delivering: keep the rest.
          if (this.#flags & PAUSED) {
            (this.#held ??= []).push(...held.slice(held.indexOf(bytes)));
          }
          return;
        }
        try {
          this.#ctx.handler.data(this, bytes);
        } catch (err) {
          this.#threw(err);
          return;
        }
      }
    }
    if (this.#flags & END_HELD) {
      this.#flags &= ~END_HELD;
      this.onEnd();
    }
    if (!(this.#flags & (CLOSED | PAUSED))) this.#t.resume();
  }

  #fail(code: ErrorCode, message: string, cause?: unknown): void {
    this.close(new TriloopError(code, message, { cause }));
  }

  #threw(err: unknown): void {
    try {
      this.#ctx.onError(err, this as Conn<unknown>);
    } catch {
      // onError itself threw: nothing more can be done for this connection.
    }
    this.#fail("TRI_ERR_HANDLER_THREW", `A handler threw: ${describe(err)}`, err);
  }

  #release(): void {
    loopSweeper.disarm(this);
    const ctx = this.#ctx;
    if (ctx.conns.delete(this)) {
      ctx.stats.open--;
      ctx.stats.closed++;
      if (ctx.conns.size === 0) ctx.onEmpty?.();
    }
    this.#pending.length = 0;
    this.#head = 0;
    this.#pendingBytes = 0;
    this.#held = undefined;
  }

  #report(err: TriloopError | undefined): void {
    if (this.#flags & REPORTED) return;
    this.#flags |= REPORTED;
    const ctx = this.#ctx;
    if (err !== undefined) ctx.stats.errors[err.code] = (ctx.stats.errors[err.code] ?? 0) + 1;
    const h = ctx.handler;
    if (h.close !== undefined) {
      try {
        h.close(this, err);
      } catch (thrown) {
        try {
          ctx.onError(thrown, this as Conn<unknown>);
        } catch {
          // see #threw
        }
      }
    }
  }
}

function positive(value: number | undefined, fallback: number, name: string, zeroOk = false): number {
  if (value === undefined) return fallback;
  if (!(value > 0 || (zeroOk && value === 0)) || !Number.isFinite(value)) {
    throw new TriloopError("TRI_ERR_INVALID_ARG", `Option '${name}' must be a positive number, got ${value}`);
  }
  return value;
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function defaultOnError(err: unknown, conn: Conn<unknown>): void {
  console.error(`triloop: connection ${conn.id} handler threw`, err);
}
