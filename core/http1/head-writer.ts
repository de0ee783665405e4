/**
 * The response head writer: status line and fields into bytes, in a buffer
 * reused from one response to the next.
 *
 * Invariants:
 * - **HW1 no-injection**: a field name that is not a token, or a value or
 *   reason phrase with a char outside `HTAB / SP / VCHAR / obs-text` (CR,
 *   LF, NUL, any other control, any char above U+00FF), throws
 *   `TRI_ERR_INVALID_ARG`; nothing of that field is written.
 * - **HW2 bytes-as-given**: names and values go out one byte per char
 *   (latin1), never re-encoded as UTF-8, so an obs-text value round-trips;
 *   names are written as given (a `Headers` gives them in lower case).
 * - **HW3 framing-is-ours**: `headers()` skips `content-length`,
 *   `transfer-encoding`, `connection` and `keep-alive` — framing is decided
 *   by the server — and reports what the handler declared in
 *   `declaredLength` and `hasDate`.
 * - **HW4 owned-output**: `take()` returns bytes the caller owns (what
 *   `conn.write` needs); `view()` is a view valid until the next `start()`.
 *
 * How: the head is built as one string and encoded with one `encodeInto`
 * into the reused buffer: a JS loop writing bytes costs several times more
 * per byte than one native encode of the joined string, and the chars are
 * scanned once anyway, to validate them.
 *
 * @module
 */

import { TriloopError } from "../errors.ts";
import { DateCache, type Schedule } from "./date-cache.ts";
import { REASONS, statusLineOf } from "./status-lines.ts";
import { TOKEN } from "./tokens.ts";

const encoder = new TextEncoder();

/** String bodies up to this many chars join the head in one encode; longer ones are encoded apart. */
const JOIN_BODY_BELOW = 1024;

/** Options of {@link HeadWriter}. */
export interface HeadWriterOptions {
  /** Milliseconds since the epoch, for the `date` field. Default `Date.now`. */
  clock?: () => number;
  /** The timer that marks the cached `date` stale at each second boundary. Default an unref'd `setTimeout`. */
  schedule?: Schedule;
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
  /** The head so far, before encoding. */
  #head = "";
  /** A char in 0x80–0xFF was written: encode as latin1 (HW2), not UTF-8. */
  #high = false;
  #buf: Uint8Array;
  /** Bytes in #buf; -1 while #head is not encoded yet. */
  #len = -1;
  readonly #date: DateCache;
  /** The `content-length` a handler's fields declared (via `headers()`), or -1. */
  declaredLength = -1;
  /** True when a `date` field was written, by `date()` or as a field. */
  hasDate = false;

  constructor(options: HeadWriterOptions = {}) {
    this.#buf = new Uint8Array(options.initialSize ?? 4096);
    this.#date = new DateCache(options.clock, options.schedule);
  }

  /**
   * Starts a head with its status line, discarding what was written before.
   * Common codes use a prebuilt line; `statusText` replaces the reason
   * (validated, HW1).
   */
  start(status: number, statusText = ""): this {
    if (!Number.isInteger(status) || status < 100 || status > 999) {
      throw new TriloopError(
        "TRI_ERR_INVALID_ARG",
        `Status must be an integer from 100 to 999, got ${status}`,
      );
    }
    const line = statusText === "" ? statusLineOf(status) : undefined;
    this.#len = -1;
    this.#high = false;
    this.declaredLength = -1;
    this.hasDate = false;
    if (line !== undefined) {
      this.#head = line;
      return this;
    }
    const reason = statusText === "" ? REASONS[status] ?? "" : statusText;
    const kind = valueKind(reason);
    if (kind < 0) {
      throw new TriloopError("TRI_ERR_INVALID_ARG", `Invalid reason phrase ${JSON.stringify(reason)}`);
    }
    if (kind > 0) this.#high = true;
    this.#head = `HTTP/1.1 ${status} ${reason}\r\n`;
    return this;
  }

  /** Appends `name: value` (HW1, HW2). */
  header(name: string, value: string): this {
    if (!isToken(name)) {
      throw new TriloopError("TRI_ERR_INVALID_ARG", `Invalid header name ${JSON.stringify(name)}`);
    }
    const kind = valueKind(value);
    if (kind < 0) {
      throw new TriloopError("TRI_ERR_INVALID_ARG", `Invalid value for header ${JSON.stringify(name)}`);
    }
    if (kind > 0) this.#high = true;
    if (name.length === 4 && name.toLowerCase() === "date") this.hasDate = true;
    this.#head += `${name}: ${value}\r\n`;
    return this;
  }

  /**
   * Appends every field of `fields` in iteration order (a `Headers` yields
   * each `set-cookie` on its own), except the framing fields (HW3).
   */
  headers(fields: Headers | Iterable<readonly [string, string]>): this {
    for (const [name, value] of fields) {
      switch (name.length) {
        case 10: // connection, keep-alive
          if (isNamed(name, "connection") || isNamed(name, "keep-alive")) continue;
          break;
        case 14:
          if (isNamed(name, "content-length")) {
            const v = value.trim();
            this.declaredLength = /^\d{1,15}$/.test(v) ? Number(v) : -1;
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

  /** The current `date` line (the same string all second long). */
  dateLine(): string {
    return this.#date.line();
  }

  /** Appends the `date` field, formatted at most once a second. */
  date(): this {
    this.#head += this.#date.line();
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
    this.#head += `content-length: ${n}\r\n`;
    return this;
  }

  /** Appends `transfer-encoding: chunked` (encode the body with `chunked.ts`). */
  chunked(): this {
    this.#head += "transfer-encoding: chunked\r\n";
    return this;
  }

  /** Appends `connection: close`. */
  close(): this {
    this.#head += "connection: close\r\n";
    return this;
  }

  /** Appends `connection: keep-alive` (what an HTTP/1.0 client needs to keep the connection). */
  keepAlive(): this {
    this.#head += "connection: keep-alive\r\n";
    return this;
  }

  /** Ends the head (the empty line). */
  end(): this {
    this.#head += "\r\n";
    this.#len = this.#encodeHead(this.#head);
    return this;
  }

  /**
   * Ends the head and returns it as a string, for a caller that encodes it
   * together with a text body (one encode per response, into its own
   * buffer); `undefined` when the head holds obs-text, which must go out as
   * latin1 (HW2) — then it is encoded here, for `view()`.
   */
  endText(): string | undefined {
    this.#head += "\r\n";
    if (!this.#high) return this.#head;
    this.#len = this.#encodeHead(this.#head);
    return undefined;
  }

  /**
   * Appends `content-length` for `body`, ends the head and appends the body
   * (a string as UTF-8): a whole small response in one buffer.
   */
  endWith(body: string | Uint8Array): this {
    if (typeof body !== "string") {
      this.contentLength(body.length).end();
      this.#append(body, body.length);
      return this;
    }
    if (!this.#high && body.length < JOIN_BODY_BELOW) {
      // Head and body in one encode: UTF-8 is right for both (the head is ASCII).
      const s = `${this.#head}content-length: ${utf8Length(body)}\r\n\r\n${body}`;
      this.#head = s;
      this.#len = this.#encodeHead(s);
      return this;
    }
    const bytes = encoder.encode(body);
    this.contentLength(bytes.length).end();
    this.#append(bytes, bytes.length);
    return this;
  }

  /** Bytes written since `start()`: a view of the reused buffer, valid until the next `start()` (HW4). */
  view(): Uint8Array {
    if (this.#len < 0) this.#len = this.#encodeHead(this.#head);
    return this.#buf.subarray(0, this.#len);
  }

  /** Bytes written since `start()`, as a copy the caller owns (HW4). */
  take(): Uint8Array {
    if (this.#len < 0) this.#len = this.#encodeHead(this.#head);
    return this.#buf.slice(0, this.#len);
  }

  /** Encodes `s` at the start of the buffer; returns its length in bytes. */
  #encodeHead(s: string): number {
    if (this.#high) return this.#latin1Head(s);
    for (;;) {
      const r = encoder.encodeInto(s, this.#buf);
      if (r.read === s.length) return r.written;
      this.#buf = new Uint8Array(Math.max(this.#buf.length * 2, s.length * 3));
    }
  }

  /** The rare head with obs-text: one byte per char, by hand (HW2). */
  #latin1Head(s: string): number {
    if (this.#buf.length < s.length) this.#buf = new Uint8Array(Math.max(this.#buf.length * 2, s.length));
    const buf = this.#buf;
    for (let i = 0; i < s.length; i++) buf[i] = s.charCodeAt(i);
    return s.length;
  }

  #append(b: Uint8Array, n: number): void {
    const len = this.#len;
    if (len + n > this.#buf.length) {
      const next = new Uint8Array(Math.max(this.#buf.length * 2, len + n));
      next.set(this.#buf.subarray(0, len));
      this.#buf = next;
    }
    this.#buf.set(b, len);
    this.#len = len + n;
  }
}

/** True when `s` is a token (RFC 9110 §5.6.2): a valid field name. */
export function isToken(s: string): boolean {
  if (s.length === 0) return false;
  const token = TOKEN;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 127 || token[c] === 0) return false;
  }
  return true;
}

/** True when every char of `s` is HTAB, SP, VCHAR or obs-text (RFC 9110 §5.5): no CR, LF, NUL or other control. */
export function isFieldValue(s: string): boolean {
  return valueKind(s) >= 0;
}

/** -1: not a field value; 0: ASCII; 1: has obs-text (0x80–0xFF). */
function valueKind(s: string): number {
  let kind = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 126) {
      if (c === 127 || c > 255) return -1;
      kind = 1;
    } else if (c < 32 && c !== 9) return -1;
  }
  return kind;
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
