/**
 * An in-process connection for testing the RESP handler: the real core
 * {@link Connection} (so pause/hold, end-flush, the output hard cap and drain
 * behave as on every runtime) over a fake transport that records what the
 * "kernel" took and can be told to stop taking bytes.
 *
 * @module
 */

import { ConnContext, Connection } from "../../core/connection.ts";
import type { TriloopError } from "../../core/errors.ts";
import type { ConnOptions, SocketHandler, Transport } from "../../core/types.ts";

/** A fake transport: takes every byte unless stalled; reads wait while paused. */
class FakeTransport implements Transport {
  sent: Uint8Array[] = [];
  sentBytes = 0;
  writes = 0;
  /** Bytes the kernel will still take; 0 is a stalled peer. */
  budget = Infinity;
  paused = false;
  finSent = false;
  destroyed = false;
  inbox: Uint8Array[] = [];
  readonly remoteAddress = "127.0.0.1";
  readonly remotePort = 50000;
  readonly localAddress = "127.0.0.1";
  readonly localPort = 6379;
  constructor(readonly conn: Connection<any>) {}
  write(bytes: Uint8Array): number {
    const n = Math.min(bytes.byteLength, this.destroyed ? 0 : this.budget);
    if (n === 0) return 0;
    this.budget -= n;
    this.writes++;
    // Kept by reference, as node:net keeps what it has not sent yet: a writer
    // that reused memory it had handed over would show in the output.
    this.sent.push(bytes.subarray(0, n));
    this.sentBytes += n;
    return n;
  }
  get buffered(): number {
    return 0;
  }
  shutdown(): void {
    this.finSent = true;
    queueMicrotask(() => this.conn.onShutdown());
  }
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    queueMicrotask(() => this.conn.onClose());
  }
  pauses = 0;
  pause(): void {
    this.paused = true;
    this.pauses++;
  }
  resume(): void {
    this.paused = false;
    // Like a runtime: reads resume later, not inside resume().
    queueMicrotask(() => this.deliver());
  }
  deliver(): void {
    while (!this.paused && !this.destroyed && this.inbox.length > 0) this.conn.onData(this.inbox.shift()!);
  }
}

/** One connection to `handler`, driven by the test. */
export class Wire {
  readonly conn: Connection<any>;
  readonly t: FakeTransport;
  closedWith: TriloopError | undefined | "open" = "open";
  #read = 0;

  constructor(handler: SocketHandler<any>, options: ConnOptions = {}) {
    const wrapped: SocketHandler<any> = {
      ...bind(handler),
      close: (c, err) => {
        this.closedWith = err;
        handler.close?.(c, err);
      },
    };
    const ctx = new ConnContext(wrapped, { onError: (e) => void (this.thrown = e), ...options });
    this.conn = new Connection(ctx);
    this.t = new FakeTransport(this.conn);
    this.conn.onOpen(this.t);
  }

  /** A throw reported by the core (there should be none). */
  thrown: unknown;

  /** The peer sends `data` (a string is taken as bytes, one char per byte). */
  send(data: Uint8Array | string): void {
    const bytes = typeof data === "string" ? latin1Bytes(data) : data;
    if (this.t.paused || this.t.inbox.length > 0) this.t.inbox.push(bytes);
    else this.conn.onData(bytes);
  }

  /** The peer half-closes. */
  fin(): void {
    this.conn.onEnd();
  }

  /** Everything the server sent so far. */
  bytes(): Uint8Array {
    return concatAll(this.t.sent);
  }

  /** Everything the server sent so far, as a byte string. */
  output(): string {
    return latin1(this.bytes());
  }

  /** What the server sent since the last `take`. */
  take(): string {
    const all = this.output();
    const fresh = all.slice(this.#read);
    this.#read = all.length;
    return fresh;
  }

  /** How many times the connection paused its reads. */
  get pauses(): number {
    return this.t.pauses;
  }

  /** Bytes the server sent so far. */
  get sentBytes(): number {
    return this.t.sentBytes;
  }

  /** The kernel stops taking bytes (the peer stopped reading). */
  stall(): void {
    this.t.budget = 0;
  }

  /** The kernel takes (up to `budget`) bytes again and tells the connection. */
  flow(budget = Infinity): void {
    this.t.budget = budget;
    this.conn.onWritable();
  }

  /** Runs pending microtasks (resumed reads, close callbacks). */
  async settle(): Promise<void> {
    for (let i = 0; i < 2; i++) await new Promise((r) => setImmediate(r));
  }
}

function bind(h: SocketHandler<any>): SocketHandler<any> {
  return {
    open: h.open?.bind(h),
    data: h.data.bind(h),
    drain: h.drain?.bind(h),
    end: h.end?.bind(h),
    timeout: h.timeout?.bind(h),
  };
}

/** A byte string (one char per byte) as bytes. */
export function latin1Bytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** Bytes as a byte string. */
export function latin1(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i += 8192) {
    s += String.fromCharCode.apply(null, b.subarray(i, i + 8192) as unknown as number[]);
  }
  return s;
}

function concatAll(parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A command as a RESP multibulk frame. */
export function multibulk(...args: Array<string | Uint8Array>): string {
  let s = `*${args.length}\r\n`;
  for (const a of args) {
    const t = typeof a === "string" ? a : latin1(a);
    s += `$${t.length}\r\n${t}\r\n`;
  }
  return s;
}
