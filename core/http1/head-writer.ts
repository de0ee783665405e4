/**
 * The response head writer: status line and fields into bytes, in a buffer
 * reused from one response to the next.
 *
 * Invariants:
 * - **W1 no-injection**: a field name that is not a token, or a value or
 *   reason phrase with a byte outside `HTAB / SP / VCHAR / obs-text` (CR,
 *   LF, NUL, any other control, any char above U+00FF), throws
 *   `TRI_ERR_INVALID_ARG` before anything of that field is written; the
 *   head written so far is unchanged.
 * - **W2 bytes-as-given**: names and values are written one byte per char
 *   (latin1), never re-encoded as UTF-8, so an obs-text value round-trips;
 *   names are written as given (a `Headers` gives them in lower case).
 * - **W3 framing-is-ours**: `headers()` skips `content-length`,
 *   `transfer-encoding`, `connection` and `keep-alive` — framing is decided
 *   by the server — and reports what the handler declared in
 *   `declaredLength` and `hasDate`.
 * - **W4 owned-output**: `take()` returns bytes the caller owns (what
 *   `conn.write` needs); `view()` is a view valid until the next `start()`.
 *
 * @module
 */

import { TriloopError } from "../errors.ts";
import { DateCache } from "./date-cache.ts";
import { REASONS, statusLineOf } from "./status-lines.ts";
import { TOKEN } from "./tokens.ts";

/** Options of {@link HeadWriter}. */
export interface HeadWriterOptions {
  /** Milliseconds since the epoch, for the `date` field. Default `Date.now`. */
  clock?: () => number;
  /** Initial size of the reused buffer in bytes; it grows as needed. Default 4 KiB. */
  initialSize?: number;
}

/**
 * Writes response heads (and, for small responses, the body after them)
 * into one reused buffer. One per loop: it holds no per-connection state.
 *
 * @example A small text response, then a chunked one
 * ```ts
 * import { HeadWriter } from "./head-writer.ts";
 * const w = new HeadWriter();
 * const small: Uint8Array = w.start(200).header("content-type", "text/plain").date().endWith("Hello").take();
 * const head: Uint8Array = w.start(200).headers(new Headers({ "x-a": "1" })).date().chunked().end().take();
 * ```
 */
export class HeadWriter {
  #buf: Uint8Array;
  #len = 0;
  readonly #date: DateCache;
  /** The `content-length` a handler's fields declared (via `headers()`), or -1. */
  declaredLength = -1;
  /** True when a `date` field was written by `header()` or `headers()`. */
  hasDate = false;

  constructor(options: HeadWriterOptions = {}) {
    this.#buf = new Uint8Array(options.initialSize ?? 4096);
    this.#date = new DateCache(options.clock);
  }

  /**
   * Starts a head with its status line, discarding what was written before.
   * Common codes copy a precomputed line; `statusText` replaces the reason
   * (validated, W1).
   */
  start(status: number, statusText = ""): this {
    if (!Number.isInteger(status) || status < 100 || status > 999) {
      throw new TriloopError(
        "TRI_ERR_INVALID_ARG",
        `Status must be an integer from 100 to 999, got ${status}`,
      );
    }
    this.#len = 0;
    this.declaredLength = -1;
    this.hasDate = false;
    const line = statusText === "" ? statusLineOf(status) : undefined;
    if (line !== undefined) {
      this.#bytes(line);
      return this;
    }
    const reason = statusText === "" ? REASONS[status] ?? "" : statusText;
    if (!isFieldValue(reason)) {
      throw new TriloopError("TRI_ERR_INVALID_ARG", `Invalid reason phrase ${JSON.stringify(reason)}`);
    }
    this.#latin1(`HTTP/1.1 ${status} ${reason}\r\n`);
    return this;
  }

  /** Appends `name: value` (W1, W2). */
  header(name: string, value: string): this {
    if (!isToken(name)) {
      throw new TriloopError("TRI_ERR_INVALID_ARG", `Invalid header name ${JSON.stringify(name)}`);
    }
    if (!isFieldValue(value)) {
      throw new TriloopError("TRI_ERR_INVALID_ARG", `Invalid value for header ${JSON.stringify(name)}`);
    }
    if (name.length === 4 && name.toLowerCase() === "date") this.hasDate = true;
    this.#field(name, value);
    return this;
  }

  /**
   * Appends every field of `fields` in iteration order (a `Headers` yields
   * each `set-cookie` on its own), except the framing fields (W3).
   */
  headers(fields: Headers | Iterable<readonly [string, string]>): this {
    for (const [name, value] of fields) {
      switch (name.length) {
        case 10: // connection, keep-alive
          if (isNamed(name, "connection") || isNamed(name, "keep-alive")) continue;
          break;
        case 14:
          if (isNamed(name, "content-length")) {
            const n = Number(value);
            this.declaredLength = /^\d+$/.test(value.trim()) && Number.isSafeInteger(n) ? n : -1;
            continue;
          }
          break;
        case 17:
          if (isNamed(name, "transfer-encoding")) continue;
          break;
      }
      this.header(name, value);
    }
    return this;
  }

  /** Appends the `date` field, formatted at most once a second. */
  date(): this {
    this.#bytes(this.#date.line());
    this.hasDate = true;
    return this;
  }

  /** Appends `content-length: n`. */
  contentLength(n: number): this {
    if (!Number.isSafeInteger(n) || n < 0) {
      throw new TriloopError(
        "TRI_ERR_INVALID_ARG",
        `Content length must be a non-negative integer, got ${n}`,
      );
    }
    this.#latin1(`content-length: ${n}\r\n`);
    return this;
  }

  /** Appends `transfer-encoding: chunked` (encode the body with `chunked.ts`). */
  chunked(): this {
    this.#bytes(TE_CHUNKED);
    return this;
  }

  /** Appends `connection: close`. */
  close(): this {
    this.#bytes(CONN_CLOSE);
    return this;
  }

  /** Appends `connection: keep-alive` (what an HTTP/1.0 client needs to keep the connection). */
  keepAlive(): this {
    this.#bytes(CONN_KEEP_ALIVE);
    return this;
  }

  /** Ends the head (the empty line). */
  end(): this {
    this.#room(2);
    this.#buf[this.#len++] = 13;
    this.#buf[this.#len++] = 10;
    return this;
  }

  /**
   * Appends `content-length` for `body`, ends the head and appends the body
   * (a string as UTF-8): a whole small response in one buffer.
   */
  endWith(body: string | Uint8Array): this {
    if (typeof body !== "string") {
      this.contentLength(body.byteLength).end();
      this.#bytes(body);
      return this;
    }
    const n = utf8Length(body);
    this.contentLength(n).end();
    this.#room(n);
    const buf = this.#buf;
    let at = this.#len;
    if (n === body.length) {
      // ASCII: a loop beats encodeInto's call overhead for the short bodies this serves.
      for (let i = 0; i < n; i++) buf[at++] = body.charCodeAt(i);
    } else {
      at += encoder.encodeInto(body, buf.subarray(at)).written;
    }
    this.#len = at;
    return this;
  }

  /** Bytes written since `start()`: a view of the reused buffer, valid until the next `start()` (W4). */
  view(): Uint8Array {
    return this.#buf.subarray(0, this.#len);
  }

  /** Bytes written since `start()`, as a copy the caller owns (W4). */
  take(): Uint8Array {
    return this.#buf.slice(0, this.#len);
  }

  /** Bytes written since `start()`. */
  get length(): number {
    return this.#len;
  }

  #field(name: string, value: string): void {
    this.#room(name.length + value.length + 4);
    const buf = this.#buf;
    let at = this.#len;
    for (let i = 0; i < name.length; i++) buf[at++] = name.charCodeAt(i);
    buf[at++] = 58; // ":"
    buf[at++] = 32;
    for (let i = 0; i < value.length; i++) buf[at++] = value.charCodeAt(i);
    buf[at++] = 13;
    buf[at++] = 10;
    this.#len = at;
  }

  #latin1(s: string): void {
    this.#room(s.length);
    const buf = this.#buf;
    let at = this.#len;
    for (let i = 0; i < s.length; i++) buf[at++] = s.charCodeAt(i);
    this.#len = at;
  }

  #bytes(b: Uint8Array): void {
    this.#room(b.byteLength);
    if (b.byteLength < 64) {
      const buf = this.#buf;
      let at = this.#len;
      for (let i = 0; i < b.byteLength; i++) buf[at++] = b[i];
      this.#len = at;
    } else {
      this.#buf.set(b, this.#len);
      this.#len += b.byteLength;
    }
  }

  #room(n: number): void {
    if (this.#len + n <= this.#buf.byteLength) return;
    let size = this.#buf.byteLength * 2;
    while (size < this.#len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.#buf.subarray(0, this.#len));
    this.#buf = next;
  }
}

const encoder = new TextEncoder();
const TE_CHUNKED = latin1Bytes("transfer-encoding: chunked\r\n");
const CONN_CLOSE = latin1Bytes("connection: close\r\n");
const CONN_KEEP_ALIVE = latin1Bytes("connection: keep-alive\r\n");

/** True when `s` is a token (RFC 9110 §5.6.2): a valid field name. */
export function isToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 127 || TOKEN[c] === 0) return false;
  }
  return true;
}

/** True when every char of `s` is HTAB, SP, VCHAR or obs-text (RFC 9110 §5.5): no CR, LF, NUL or other control. */
export function isFieldValue(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 32 ? c !== 9 : c === 127 || c > 255) return false;
  }
  return true;
}

/** The UTF-8 length of `s` (a lone surrogate counts as U+FFFD, 3 bytes, as `TextEncoder` writes it). */
export function utf8Length(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) n += 1;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 2; // a pair: 2 units, 4 bytes
        i++;
      } else n += 2;
    } else n += 2;
  }
  return n;
}

function isNamed(name: string, lower: string): boolean {
  return name === lower || name.toLowerCase() === lower;
}

function latin1Bytes(s: string): Uint8Array {
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i);
  return b;
}
