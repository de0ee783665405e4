/**
 * The RESP2 reply encoder of `resp-kv`: replies are encoded straight into a
 * slab shared by every connection of a handler (processing is synchronous,
 * and the handler takes what it wrote before it returns), so a pipeline of
 * thousands of commands costs one `write` of one view, with no copy.
 *
 * The slab is bump-allocated: a `take` hands out a view of the bytes written
 * since the last one and never writes there again, so the view stays valid
 * for as long as the runtime holds it (the {@link Conn.write} contract). A
 * full slab is left to the views still using it and a new one is started.
 * This spares a malloc and a copy per `data` call (a `slice` per call was
 * 9% of a pipelined SET/GET profile on Node).
 *
 * Invariants:
 * - **R1 ordered**: {@link Reply.take} returns the bytes of every reply since
 *   the last `take`, in order, and leaves the buffer empty.
 * - **R2 big-by-reference**: a bulk value over {@link BIG} bytes is not copied;
 *   its view goes out between two scratch segments. Stored values are never
 *   modified (SET stores a new array), so the view stays valid until written.
 * - **R3 text-is-bytes**: strings here are byte strings (each char code is one
 *   byte, 0–255), the same mapping the keyspace uses for keys; `\r` and `\n`
 *   in error and status text become spaces, as Redis does.
 *
 * @module
 */

/** Bulk values longer than this go out by reference (R2). */
export const BIG = 8 * 1024;

/** The usual slab size. A reply that needs more gets a slab of its own size (times two). */
const SLAB = 64 * 1024;

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
  #buf = new Uint8Array(SLAB);
  #start = 0; // the first byte not yet taken
  #n = 0; // the end of what was written
  #parts: Uint8Array[] = [];
  #partBytes = 0;

  /** Bytes waiting to be taken. */
  get size(): number {
    return this.#n - this.#start + this.#partBytes;
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

  /** A bulk from a byte string (R3). */
  bulkText(text: string): void {
    this.bulk(bytes(text));
  }

  /** Every reply since the last take, in order (R1), as segments to write. */
  take(): Uint8Array[] {
    this.#cut();
    const parts = this.#parts;
    this.#parts = [];
    this.#partBytes = 0;
    return parts;
  }

  /** The replies as one view, when nothing went out by reference (the fast path). */
  takeSmall(): Uint8Array | undefined {
    if (this.#parts.length !== 0) return undefined;
    const out = this.#buf.subarray(this.#start, this.#n);
    this.#start = this.#n;
    return out;
  }

  /** Moves the bytes written so far into the segment list. */
  #cut(): void {
    if (this.#n === this.#start) return;
    this.#parts.push(this.#buf.subarray(this.#start, this.#n));
    this.#partBytes += this.#n - this.#start;
    this.#start = this.#n;
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

  /** Makes room for `k` more bytes: a new slab, carrying over the bytes not yet taken. */
  #room(k: number): void {
    if (this.#n + k <= this.#buf.length) return;
    const pending = this.#n - this.#start;
    const fresh = new Uint8Array(Math.max(SLAB, 2 * (pending + k)));
    fresh.set(this.#buf.subarray(this.#start, this.#n));
    this.#buf = fresh;
    this.#start = 0;
    this.#n = pending;
  }
}
