/**
 * The RESP2 reply encoder of `resp-kv`: replies accumulate in one scratch
 * buffer shared by every connection of a handler (processing is synchronous,
 * and the handler takes the buffer's contents before it returns), so a
 * pipeline of thousands of commands costs one allocation and one `write`.
 *
 * The common case, replies that fit the scratch buffer, leaves as a view of
 * it through `conn.writeTransient` (C9): the connection copies only what it
 * must keep, in its runtime's cheapest way, and on Bun copies nothing.
 * Segments that must outlive the call (`take`, with big values by
 * reference) are copied out with `slice`, which costs less than views of a
 * bump-allocated slab (figures in bench/README.md).
 *
 * Invariants:
 * - **RR1 ordered**: {@link Reply.take} returns the bytes of every reply since
 *   the last `take`, in order, and leaves the buffer empty.
 * - **RR2 big-by-reference**: a bulk value over {@link BIG} bytes is not copied;
 *   its view goes out between two scratch segments. Stored values are never
 *   modified (SET stores a new array), so the view stays valid until written.
 * - **RR3 text-is-bytes**: strings here are byte strings (each char code is one
 *   byte, 0–255), the same mapping the keyspace uses for keys; `\r` and `\n`
 *   in error and status text become spaces, as Redis does.
 *
 * @module
 */

/** Bulk values longer than this go out by reference (RR2). */
export const BIG = 8 * 1024;

const INITIAL = 64 * 1024;
/** A scratch buffer grown past this is dropped after a take, to give the memory back. */
const KEEP = 1024 * 1024;

function bytes(text: string): Uint8Array {
  return Uint8Array.from(text, (ch) => ch.charCodeAt(0));
}

/** Replies used on hot paths, encoded once. */
export const OK: Uint8Array = bytes("+OK\r\n");
export const PONG: Uint8Array = bytes("+PONG\r\n");
export const NIL: Uint8Array = bytes("$-1\r\n");
export const EMPTY_ARRAY: Uint8Array = bytes("*0\r\n");
export const ZERO: Uint8Array = bytes(":0\r\n");
export const ONE: Uint8Array = bytes(":1\r\n");

/** A growing buffer of encoded replies. */
export class Reply {
  #buf = new Uint8Array(INITIAL);
  #n = 0;
  #parts: Uint8Array[] = [];
  #partBytes = 0;

  /** Bytes waiting to be taken. */
  get size(): number {
    return this.#n + this.#partBytes;
  }

  /** Appends pre-encoded bytes (a constant reply). */
  raw(b: Uint8Array): void {
    this.#room(b.length);
    this.#copy(b);
  }

  /** `+text\r\n`. */
  status(text: string): void {
    this.#line(43, text);
  }

  /** `-text\r\n`; `text` starts with the error code, e.g. `"ERR syntax error"`. */
  error(text: string): void {
    this.#line(45, text);
  }

  /** `:n\r\n`. */
  int(n: number | bigint): void {
    this.#room(24);
    this.#buf[this.#n++] = 58;
    this.#number(n);
  }

  /** `*n\r\n`. */
  array(n: number): void {
    this.#room(24);
    this.#buf[this.#n++] = 42;
    this.#number(n);
  }

  /** `$len\r\n<value>\r\n`, or the nil bulk for `undefined`. */
  bulk(value: Uint8Array | undefined): void {
    if (value === undefined) return this.raw(NIL);
    const len = value.length;
    this.#room(24);
    this.#buf[this.#n++] = 36;
    this.#number(len);
    if (len > BIG) {
      this.#cut();
      this.#parts.push(value);
      this.#partBytes += len;
    } else {
      this.#room(len);
      this.#copy(value);
    }
    this.#room(2);
    this.#buf[this.#n++] = 13;
    this.#buf[this.#n++] = 10;
  }

  /** A bulk from a byte string (RR3). */
  bulkText(text: string): void {
    this.bulk(bytes(text));
  }

  /** Every reply since the last take, in order (RR1), as segments to write. */
  take(): Uint8Array[] {
    this.#cut();
    const parts = this.#parts;
    this.#parts = [];
    this.#partBytes = 0;
    if (this.#buf.length > KEEP) this.#buf = new Uint8Array(INITIAL);
    return parts;
  }

  /**
   * The scratch bytes only, when nothing went out by reference (the fast
   * path): a view, valid until the next reply is written — for
   * `conn.writeTransient`, which copies what it keeps (C9), and copies
   * nothing on Bun.
   */
  viewSmall(): Uint8Array | undefined {
    if (this.#parts.length !== 0) return undefined;
    const out = this.#buf.subarray(0, this.#n);
    this.#n = 0;
    if (this.#buf.length > KEEP) this.#buf = new Uint8Array(INITIAL);
    return out;
  }

  /** Moves the scratch bytes so far into the segment list. */
  #cut(): void {
    if (this.#n === 0) return;
    this.#parts.push(this.#buf.slice(0, this.#n));
    this.#partBytes += this.#n;
    this.#n = 0;
  }

  #copy(b: Uint8Array): void {
    const len = b.length;
    const buf = this.#buf;
    let n = this.#n;
    // A short loop beats TypedArray#set's call overhead for the 3–16 byte
    // replies and values of a typical pipeline.
    if (len <= 16) { for (let i = 0; i < len; i++) buf[n++] = b[i]; }
    else {
      buf.set(b, n);
      n += len;
    }
    this.#n = n;
  }

  #line(type: number, text: string): void {
    const len = text.length;
    this.#room(len + 3);
    const buf = this.#buf;
    let n = this.#n;
    buf[n++] = type;
    for (let i = 0; i < len; i++) {
      const c = text.charCodeAt(i) & 0xff;
      buf[n++] = c === 13 || c === 10 ? 32 : c;
    }
    buf[n++] = 13;
    buf[n++] = 10;
    this.#n = n;
  }

  /** Writes a decimal integer and CRLF (room for 24 bytes is already made). */
  #number(v: number | bigint): void {
    const buf = this.#buf;
    let n = this.#n;
    if (typeof v === "number" && v >= 0 && v < 1e15) {
      let digits = 1;
      for (let t = v; t >= 10; t = Math.floor(t / 10)) digits++;
      n += digits;
      let t = v;
      for (let i = 1; i <= digits; i++) {
        buf[n - i] = 48 + (t % 10);
        t = Math.floor(t / 10);
      }
    } else {
      const s = String(v);
      for (let i = 0; i < s.length; i++) buf[n++] = s.charCodeAt(i);
    }
    buf[n++] = 13;
    buf[n++] = 10;
    this.#n = n;
  }

  #room(k: number): void {
    const need = this.#n + k;
    if (need <= this.#buf.length) return;
    let size = this.#buf.length * 2;
    while (size < need) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.#buf.subarray(0, this.#n));
    this.#buf = grown;
  }
}
