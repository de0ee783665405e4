/**
 * Where a connection's responses are assembled before they reach `write`.
 *
 * One scratch buffer per loop, not per connection: idle connections hold no
 * output memory. Responses produced in one turn of the loop (a batch of
 * pipelined requests) are appended here and leave in one `writeTransient` —
 * one syscall for the batch, and no copy where the runtime copies into the
 * kernel at once (Bun), or a copy into pooled memory (Node, Deno). Bodies above
 * `DIRECT_BELOW` skip the copy: the head is flushed, then the body's own
 * bytes are written as they are.
 *
 * @module
 */

import type { Conn } from "../types.ts";

/** Bodies at least this long are written directly instead of copied. */
export const DIRECT_BELOW = 16 * 1024;

const encoder = new TextEncoder();

/** An append-only byte buffer, reused across connections of one loop. */
export class OutBuffer {
  /** Always a whole ArrayBuffer of its own (offset 0): views are made from `buf.buffer`. */
  buf: Uint8Array<ArrayBuffer> = new Uint8Array(64 * 1024);
  len = 0;

  /** Appends ASCII/UTF-8 text. */
  text(s: string): void {
    // Worst case 3 bytes per UTF-16 unit.
    if (this.len + s.length * 3 > this.buf.byteLength) this.#grow(s.length * 3);
    this.len += encoder.encodeInto(s, new Uint8Array(this.buf.buffer, this.len)).written;
  }

  /** Appends pre-encoded bytes. */
  bytes(b: Uint8Array): void {
    if (this.len + b.byteLength > this.buf.byteLength) this.#grow(b.byteLength);
    this.buf.set(b, this.len);
    this.len += b.byteLength;
  }

  /** Writes what is buffered to `conn` and empties the buffer (the connection copies what it keeps, C9). */
  flushTo(conn: Conn): boolean {
    const len = this.len;
    if (len === 0) return true;
    this.len = 0;
    // A view made with the constructor, not subarray(): V8's subarray looks up
    // the species constructor, which costs about as much again, once per batch
    // of responses. `buf` always starts its buffer.
    return conn.writeTransient(new Uint8Array(this.buf.buffer, 0, len));
  }

  #grow(extra: number): void {
    let size = this.buf.byteLength * 2;
    while (size < this.len + extra) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }
}

/** The out buffer of this loop. */
export const loopOut: OutBuffer = new OutBuffer();
