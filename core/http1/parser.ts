/**
 * The HTTP/1.1 request parser: incremental, resumable, strict.
 *
 * Invariants:
 * - **P1 split-invariant**: the events, the values they report and the
 *   outcome (code, and for a failure its `pos`) are the same however the
 *   byte stream is cut into `execute` calls — one call, or one per byte.
 * - **P2 no-copy**: body bytes are reported as spans of the caller's buffer;
 *   head fields are spans of the caller's buffer, or of a head buffer when the
 *   head arrived in pieces. Nothing becomes a string unless a consumer asks.
 * - **P3 strict-by-default**: every framing ambiguity of RFC 9112 that has
 *   been used for request smuggling is a failure with a named code (see
 *   `codes.ts`); no leniency is offered.
 * - **P4 bounded**: the parser keeps at most `maxHeaderBytes` of input, and
 *   does a bounded amount of work per byte; it never throws on any input.
 * - **P5 fail-once**: after a failure, `error` is set and every later call
 *   returns the same code without reading.
 * - **P6 pause-at-boundary**: `pause()` from a callback makes `execute`
 *   return `PAUSED` before it consumes another byte; `offset` is where to
 *   resume. No event is left pending at a pause: the message-complete event
 *   of a message with no (more) body is delivered before the pause.
 *
 * @module
 */

import { HttpParseError, ParseCode } from "./codes.ts";
import { TriloopError } from "../errors.ts";
import { Field, fieldOf } from "./field-names.ts";
import {
  CONN_CLOSE,
  CONN_KEEP_ALIVE,
  CONN_UPGRADE,
  connectionOf,
  contentLengthOf,
  isContinue,
  isValidHost,
  TE_ANY,
  TE_CHUNKED,
  TE_CHUNKED_TWICE,
  TE_LAST_CHUNKED,
  TE_MALFORMED,
  TE_UNKNOWN,
  transferEncodingOf,
} from "./framing.ts";
import { findField, HeadFlag, type HeadSource, RequestHead } from "./head.ts";
import { Method, METHOD_NAMES, methodOf } from "./methods.ts";
import { type ChunkLine, chunkLine, chunkLineReason, chunkLineState } from "./_chunk-line.ts";
import * as St from "./states.ts";
import { COLON, CR, FIELD_VALUE, HTAB, latin1, LF, SP, TOKEN, URI } from "./tokens.ts";
import { checkTarget, VERSION_PREFIX } from "./_request-line.ts";

const KiB = 1024;
const MiB = 1024 * KiB;
const EMPTY = new Uint8Array(0);

/**
 * The events of a parse, one static object per server (like
 * `SocketHandler`): per-connection state goes on `parser.data`.
 *
 * A callback may call `parser.pause()` (P6). A callback that throws leaves
 * the parser in an unspecified state: the throw propagates out of `execute`,
 * and the connection should be closed.
 */
export interface Http1Handler<T = unknown> {
  /** The first byte of a request line arrived (for a headers timeout). `pause()` is not honoured here. */
  onMessageBegin?(parser: Http1Parser<T>): void;
  /**
   * The head is complete and valid: method, target, version, fields and the
   * framing decision are readable on `parser` (or `parser.requestHead()`).
   */
  onHeaders(parser: Http1Parser<T>): void;
  /** Body bytes `buf[start..end)`: the caller's buffer, de-chunked, never copied (P2). */
  onBody?(parser: Http1Parser<T>, buf: Uint8Array, start: number, end: number): void;
  /** The message, body and trailers included, is complete. */
  onMessageComplete(parser: Http1Parser<T>): void;
}

/** Limits of {@link Http1Parser}. Every limit has a status of its own when passed. */
export interface Http1ParserOptions {
  /**
   * Bytes in a head: request line, field lines and the empty line; also the
   * bound on a trailer section and on the internal head buffer. 431 when
   * passed. Default 16 KiB (Node's `maxHeaderSize`).
   */
  maxHeaderBytes?: number;
  /** Bytes in the request-target. 414 when passed. Default 8 KiB (RFC 9112 §3 asks for at least 8000). */
  maxUriBytes?: number;
  /** Field lines in a head. 431 when passed. Default 100. */
  maxHeaders?: number;
  /**
   * Body bytes: a larger Content-Length fails at once, a chunked body when
   * its sizes add up past it. 413 when passed. `Infinity` for no limit.
   * Default 128 MiB (Bun.serve's default): bodies stream, so this bounds
   * work, not memory.
   */
  maxBodyBytes?: number;
  /**
   * Bytes in one chunk-size line, extensions included: bounds what a peer
   * can make the server skip per chunk (CVE-2024-22019). 413 when passed.
   * Default 1 KiB.
   */
  maxChunkLineBytes?: number;
}

/**
 * An incremental, resumable HTTP/1.1 request parser shaped like llhttp: feed
 * it bytes with {@link execute}; it calls the handler's callbacks and returns
 * a {@link ParseCode}. One per connection; reuse one with {@link reset}.
 *
 * The head fields (`method`, `targetStart`, `spans`, `flags`, …) describe the
 * current request from `onHeaders` until the next request line begins; take a
 * {@link requestHead} to keep them longer.
 *
 * @example A server's data path, one request at a time
 * ```ts
 * import { Http1Parser, ParseCode } from "./parser.ts";
 * const parser = new Http1Parser<{ queue: string[] }>({
 *   onHeaders(p) {
 *     p.data.queue.push(`${p.methodName} ${p.target()}`);
 *   },
 *   onMessageComplete(p) {
 *     p.pause(); // answer this request before reading the next
 *   },
 * });
 * parser.data = { queue: [] };
 * const bytes = new TextEncoder().encode("GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n");
 * let at = 0;
 * for (;;) {
 *   const code = parser.execute(bytes, at, bytes.length);
 *   if (code !== ParseCode.PAUSED) break;
 *   at = parser.offset; // …respond, then resume from here
 * }
 * ```
 */
export class Http1Parser<T = unknown> implements HeadSource {
  /** The consumer's per-connection state. Starts `undefined`. */
  data!: T;

  readonly #h: Http1Handler<T>;
  readonly #maxHead: number;
  readonly #maxUri: number;
  readonly #maxHeaders: number;
  readonly #maxBody: number;
  readonly #maxChunkLine: number;

  #phase: number = St.PH_HEAD;
  #state: number = St.S_START;
  #paused = false;
  #trailers = false;
  #error: HttpParseError | null = null;
  #offset = 0;
  /** Stream offset of the next byte to be fed. */
  #consumed = 0;
  /** Stream offset of index 0 of the buffer given to the current `execute`. */
  #base = 0;
  /** Stream offset of index 0 of the buffer the grammar is running on (the caller's or #hb). */
  #posBase = 0;
  #emptyLines = 0;
  #messages = 0;

  // The head. Indexes point into #headBuf (when the head came in one piece,
  // the caller's buffer; else #hb).
  #headBuf: Uint8Array = EMPTY;
  /**
   * The head buffer, used only while a head is split across chunks. Why
   * copy the partial head rather than keep a list of chunks: every span then
   * indexes one contiguous buffer, so the grammar runs unchanged on it and a
   * consumer gets plain offsets. Only a split head pays (at most
   * `maxHeaderBytes`, copied once per byte); the common one-chunk head is
   * never copied. Once the head completes the buffer is let go and never
   * written again, so spans into it stay valid for whoever keeps them.
   */
  #hb: Uint8Array | null = null;
  #hbLen = 0;
  /** Stream offset of #hb[0], the first byte of the head. */
  #headStream = 0;
  #headStart = 0;
  #targetStart = 0;
  #targetEnd = 0;
  #mark = 0;
  #nameStart = 0;
  #nameEnd = 0;
  #field: number = Field.OTHER;
  #spans: Int32Array = new Int32Array(64);
  #count = 0;
  #method: Method = Method.OTHER;
  #minor = 1;
  #flags = 0;
  #te = 0;
  #contentLength = -1;
  #hostStart = -1;
  #hostEnd = -1;

  // The body.
  #remaining = 0;
  #bodyBytes = 0;
  /** Stream offset where the current chunk-size line (or trailer section) began. */
  #lineStart = 0;
  #chunk: ChunkLine = chunkLineState();

  constructor(handler: Http1Handler<T>, options: Http1ParserOptions = {}) {
    this.#h = handler;
    this.#maxHead = limit(options.maxHeaderBytes, 16 * KiB, "maxHeaderBytes");
    this.#maxUri = limit(options.maxUriBytes, 8 * KiB, "maxUriBytes");
    this.#maxHeaders = limit(options.maxHeaders, 100, "maxHeaders");
    this.#maxBody = Math.min(limit(options.maxBodyBytes, 128 * MiB, "maxBodyBytes"), Number.MAX_SAFE_INTEGER);
    this.#maxChunkLine = limit(options.maxChunkLineBytes, KiB, "maxChunkLineBytes");
  }

  // ---- driving -------------------------------------------------------------

  /**
   * Parses `buf[start..end)`, the next bytes of the connection's stream.
   * Returns `OK` when all were consumed, `PAUSED` (see `offset`), `CLOSED`
   * (the last message ended the connection; see `offset`) or a failure code
   * (see `error`). The parser keeps no reference to `buf` except through the
   * head spans of a head that completed in it.
   */
  execute(buf: Uint8Array, start: number, end: number): number {
    const phase0 = this.#phase;
    if (phase0 >= St.PH_CLOSED) {
      this.#offset = start;
      return phase0 === St.PH_CLOSED ? ParseCode.CLOSED : this.#error!.parseCode;
    }
    this.#paused = false;
    const base = this.#consumed - start;
    this.#base = base;
    this.#posBase = base;
    const h = this.#h;
    let pos = start;
    for (;;) {
      switch (this.#phase) {
        case St.PH_HEAD: {
          if (this.#paused) return this.#stop(pos, ParseCode.PAUSED);
          pos = this.#head(buf, pos, end);
          if (pos < 0) return this.#failed();
          if (this.#phase === St.PH_HEAD) return this.#stop(end, ParseCode.OK);
          h.onHeaders(this);
          continue;
        }
        case St.PH_BODY: {
          if (this.#paused) return this.#stop(pos, ParseCode.PAUSED);
          if (pos === end) return this.#stop(end, ParseCode.OK);
          const s = pos;
          const left = this.#remaining;
          pos = end - pos < left ? end : pos + left;
          this.#remaining = left - (pos - s);
          if (this.#remaining === 0) this.#phase = St.PH_COMPLETE;
          h.onBody?.(this, buf, s, pos);
          continue;
        }
        case St.PH_CHUNK_LINE: {
          if (this.#paused) return this.#stop(pos, ParseCode.PAUSED);
          pos = this.#chunkLine(buf, pos, end);
          if (pos < 0) return this.#failed();
          if (this.#phase === St.PH_CHUNK_LINE) return this.#stop(end, ParseCode.OK);
          continue;
        }
        case St.PH_CHUNK_DATA: {
          if (this.#paused) return this.#stop(pos, ParseCode.PAUSED);
          if (pos === end) return this.#stop(end, ParseCode.OK);
          const s = pos;
          const left = this.#remaining;
          pos = end - pos < left ? end : pos + left;
          this.#remaining = left - (pos - s);
          if (this.#remaining === 0) {
            this.#phase = St.PH_CHUNK_END;
            this.#state = St.S_DATA_CR;
          }
          h.onBody?.(this, buf, s, pos);
          continue;
        }
        case St.PH_CHUNK_END: {
          if (pos === end) return this.#stop(end, ParseCode.OK);
          pos = this.#chunkEnd(buf, pos);
          if (pos < 0) return this.#failed();
          continue;
        }
        case St.PH_TRAILERS: {
          if (pos === end) return this.#stop(end, ParseCode.OK);
          // The trailer section is bounded like a head, counted from its start.
          const lim = Math.min(end, this.#lineStart + this.#maxHead - base);
          pos = this.#fields(buf, pos, lim);
          if (pos < 0) return this.#failed();
          if (this.#state === St.S_DONE) {
            this.#phase = St.PH_COMPLETE;
            continue;
          }
          if (lim < end) {
            this.#fail(ParseCode.HEADER_OVERFLOW, lim, "trailer section too large");
            return this.#failed();
          }
          return this.#stop(end, ParseCode.OK);
        }
        case St.PH_COMPLETE: {
          this.#messages++;
          this.#emptyLines = 0;
          if (this.#flags & HeadFlag.KEEP_ALIVE) {
            this.#phase = St.PH_HEAD;
            this.#state = St.S_START;
          } else {
            this.#phase = St.PH_CLOSED;
          }
          h.onMessageComplete(this);
          if (this.#phase === St.PH_CLOSED) return this.#stop(pos, ParseCode.CLOSED);
          continue;
        }
        default:
          // PH_CLOSED or PH_ERROR, reached when a callback called reset() mid-run is not supported.
          return this.#stop(pos, this.#phase === St.PH_CLOSED ? ParseCode.CLOSED : this.#error!.parseCode);
      }
    }
  }

  /**
   * The peer ended the stream. `OK` when it ended between requests, `CLOSED`
   * after a message that ended the connection, else `UNEXPECTED_EOF` (or the
   * earlier failure).
   */
  finish(): number {
    const phase = this.#phase;
    if (phase === St.PH_ERROR) return this.#error!.parseCode;
    if (phase === St.PH_CLOSED) return ParseCode.CLOSED;
    if (phase === St.PH_HEAD && this.#state <= St.S_START_LF) return ParseCode.OK;
    this.#failAt(ParseCode.UNEXPECTED_EOF, this.#consumed, "the stream ended inside a request");
    return ParseCode.UNEXPECTED_EOF;
  }

  /** From a callback: return from `execute` with `PAUSED` before the next byte (P6). */
  pause(): void {
    this.#paused = true;
  }

  /** Forgets everything, as if new (to reuse the parser for another connection). */
  reset(): void {
    this.#phase = St.PH_HEAD;
    this.#state = St.S_START;
    this.#paused = false;
    this.#error = null;
    this.#offset = 0;
    this.#consumed = 0;
    this.#emptyLines = 0;
    this.#messages = 0;
    this.#hb = null;
    this.#headBuf = EMPTY;
    this.#beginFields();
    this.data = undefined as T;
  }

  // ---- state readable by the consumer --------------------------------------

  /** After `PAUSED` or `CLOSED`: the index in the last `buf` of the first byte not consumed. */
  get offset(): number {
    return this.#offset;
  }
  /** The failure, once there is one (P5). */
  get error(): HttpParseError | null {
    return this.#error;
  }
  /** Bytes consumed since the start (or `reset`): the stream offset of the next byte. */
  get bytesConsumed(): number {
    return this.#consumed;
  }
  /** Messages completed since the start. */
  get messages(): number {
    return this.#messages;
  }
  /** True between requests (nothing of the next one has arrived but empty lines). */
  get idle(): boolean {
    return this.#phase === St.PH_HEAD && this.#state <= St.S_START_LF;
  }
  /** True while a head is being received (for a headers timeout: 408). */
  get inHead(): boolean {
    return this.#phase === St.PH_HEAD && this.#state > St.S_START_LF;
  }
  /** Bytes of input the parser holds on to now (P4): at most `maxHeaderBytes`. */
  get retainedBytes(): number {
    return this.#hb === null ? 0 : this.#hb.length;
  }
  /** `"PHASE/STATE"`, for debugging. */
  get stateName(): string {
    return St.stateName(this.#phase, this.#state);
  }

  /** The bytes every head span indexes. */
  get head(): Uint8Array {
    return this.#headBuf;
  }
  /** `[nameStart, nameEnd, valueStart, valueEnd]` per field line; the first `headerCount * 4` are valid. */
  get spans(): Int32Array {
    return this.#spans;
  }
  get headerCount(): number {
    return this.#count;
  }
  get method(): Method {
    return this.#method;
  }
  /** The method name, interned for known methods. */
  get methodName(): string {
    return this.#method !== Method.OTHER
      ? METHOD_NAMES[this.#method]
      : latin1(this.#headBuf, this.#headStart, this.#targetStart - 1);
  }
  get methodStart(): number {
    return this.#headStart;
  }
  get methodEnd(): number {
    return this.#targetStart - 1;
  }
  get targetStart(): number {
    return this.#targetStart;
  }
  get targetEnd(): number {
    return this.#targetEnd;
  }
  /** Span of the Host value in `head`, or -1. */
  get hostStart(): number {
    return this.#hostStart;
  }
  get hostEnd(): number {
    return this.#hostEnd;
  }
  /** `0` for HTTP/1.0; `1` for HTTP/1.1 or a higher 1.x. */
  get versionMinor(): number {
    return this.#minor;
  }
  /** {@link HeadFlag} bits. */
  get flags(): number {
    return this.#flags;
  }
  /** The declared Content-Length, or -1. */
  get contentLength(): number {
    return this.#contentLength;
  }
  get keepAlive(): boolean {
    return (this.#flags & HeadFlag.KEEP_ALIVE) !== 0;
  }
  get chunked(): boolean {
    return (this.#flags & HeadFlag.CHUNKED) !== 0;
  }
  get expectContinue(): boolean {
    return (this.#flags & HeadFlag.EXPECT_CONTINUE) !== 0;
  }
  get upgrade(): boolean {
    return (this.#flags & HeadFlag.UPGRADE) !== 0;
  }
  /** The request-target as a string. */
  target(): string {
    return latin1(this.#headBuf, this.#targetStart, this.#targetEnd);
  }
  /** The value of field `name` (case-insensitive, lines joined with `, `), or `null`. */
  header(name: string): string | null {
    return findField(this.#headBuf, this.#spans, this.#count, name);
  }
  /** A snapshot of the current head that outlives the parser's next request. */
  requestHead(): RequestHead {
    return new RequestHead(this);
  }

  // ---- the head ------------------------------------------------------------

  /** Runs the head grammar; returns the index in `buf` after it, `end` if more is needed, or -1. */
  #head(buf: Uint8Array, pos: number, end: number): number {
    if (this.#hb === null) {
      if (this.#state <= St.S_START_LF) {
        pos = this.#start(buf, pos, end);
        if (pos < 0 || this.#state <= St.S_START_LF) return pos < 0 ? -1 : end;
      }
      const lim = Math.min(end, this.#headStart + this.#maxHead);
      const r = this.#fields(buf, pos, lim);
      if (r < 0) return -1;
      if (this.#state === St.S_DONE) return this.#headDone(buf, r) ? r : -1;
      if (lim < end) return this.#fail(ParseCode.HEADER_OVERFLOW, lim, "header section too large");
      this.#toBuffered(buf, end);
      return end;
    }
    // The head began in an earlier chunk: append to #hb, a piece at a time so
    // a big body after the head is not copied, and run the grammar there.
    this.#posBase = this.#headStream;
    for (;;) {
      const len = this.#hbLen;
      const avail = end - pos;
      if (avail === 0) break;
      let hb: Uint8Array = this.#hb!;
      if (len === hb.length) {
        if (len >= this.#maxHead) {
          return this.#fail(ParseCode.HEADER_OVERFLOW, this.#maxHead, "header section too large");
        }
        const grown = new Uint8Array(Math.min(this.#maxHead, len * 2));
        grown.set(hb);
        this.#hb = hb = grown;
      }
      const n = Math.min(avail, hb.length - len);
      if (n < 64) { for (let i = 0; i < n; i++) hb[len + i] = buf[pos + i]; }
      else hb.set(buf.subarray(pos, pos + n), len);
      this.#hbLen = len + n;
      const r = this.#fields(hb, len, len + n);
      if (r < 0) return -1;
      if (this.#state === St.S_DONE) {
        if (!this.#headDone(hb, r)) return -1;
        this.#posBase = this.#base;
        return pos + (r - len);
      }
      pos += n;
    }
    this.#posBase = this.#base;
    return end;
  }

  /** Skips empty lines before a request line; at its first byte, begins a message. */
  #start(buf: Uint8Array, pos: number, end: number): number {
    let state = this.#state;
    while (pos < end) {
      const c = buf[pos];
      if (state === St.S_START_LF) {
        if (c !== LF) return this.#fail(ParseCode.BARE_CR, pos, "CR without LF before the request line");
        state = St.S_START;
        pos++;
      } else if (c === CR) {
        // RFC 9112 §2.2 lets a server skip empty lines here; they count against the head limit.
        if (++this.#emptyLines * 2 > this.#maxHead) {
          return this.#fail(ParseCode.HEADER_OVERFLOW, pos, "too many empty lines before the request line");
        }
        state = St.S_START_LF;
        pos++;
      } else if (c === LF) {
        return this.#fail(ParseCode.BARE_LF, pos, "LF without CR before the request line");
      } else {
        this.#beginFields();
        this.#headStart = pos;
        this.#state = St.S_METHOD;
        this.#h.onMessageBegin?.(this);
        return pos;
      }
    }
    this.#state = state;
    return pos;
  }

  /** Resets the per-message head state. */
  #beginFields(): void {
    this.#count = 0;
    this.#flags = 0;
    this.#te = 0;
    this.#contentLength = -1;
    this.#hostStart = -1;
    this.#hostEnd = -1;
    this.#method = Method.OTHER;
    this.#minor = 1;
    this.#trailers = false;
    this.#bodyBytes = 0;
    this.#headStart = this.#targetStart = this.#targetEnd = 0;
  }

  /** The head continues in the next chunk: copy its bytes so far into a fresh #hb and rebase every span. */
  #toBuffered(buf: Uint8Array, end: number): void {
    const hs = this.#headStart;
    const n = end - hs;
    const hb = new Uint8Array(Math.min(this.#maxHead, Math.max(512, n * 2)));
    hb.set(buf.subarray(hs, end));
    this.#hb = hb;
    this.#hbLen = n;
    this.#headStream = this.#base + hs;
    this.#headStart = 0;
    this.#targetStart -= hs;
    this.#targetEnd -= hs;
    this.#mark -= hs;
    this.#nameStart -= hs;
    this.#nameEnd -= hs;
    if (this.#hostStart >= 0) {
      this.#hostStart -= hs;
      this.#hostEnd -= hs;
    }
    const spans = this.#spans;
    for (let i = 0; i < this.#count * 4; i++) spans[i] -= hs;
  }

  /**
   * The grammar of the request line and of a field section (the head's, or
   * the trailers' when #trailers is set), on `b[pos..lim)`. Returns the index
   * it stopped at (`lim` when it needs more; after the final LF when the
   * state is S_DONE), or -1. The scanning loops are inline and table-driven:
   * no call per byte.
   */
  #fields(b: Uint8Array, pos: number, lim: number): number {
    // The tables in locals: one load per call instead of one per byte, whatever
    // a module transform does to imports (vitest and CJS wrappers make them getters).
    const token = TOKEN;
    const uri = URI;
    const fieldValue = FIELD_VALUE;
    let state = this.#state;
    loop: for (;;) {
      switch (state) {
        case St.S_METHOD: {
          while (pos < lim && token[b[pos]] === 1) pos++;
          if (pos === lim) break loop;
          if (b[pos] !== SP || pos === this.#headStart) {
            return this.#fail(ParseCode.INVALID_METHOD, pos, `byte ${hex(b[pos])} in the method`);
          }
          this.#method = methodOf(b, this.#headStart, pos);
          this.#targetStart = ++pos;
          state = St.S_TARGET;
          continue;
        }
        case St.S_TARGET: {
          const uriLim = this.#targetStart + this.#maxUri;
          const stop = lim < uriLim ? lim : uriLim;
          while (pos < stop && uri[b[pos]] === 1) pos++;
          if (pos === lim) break loop;
          const c = b[pos];
          if (c === SP && pos > this.#targetStart) {
            this.#targetEnd = pos;
            this.#mark = ++pos;
            state = St.S_VERSION;
            continue;
          }
          if (pos === uriLim) return this.#fail(ParseCode.URI_TOO_LONG, pos, "request-target too long");
          if (c === CR || c === LF) {
            return this.#fail(ParseCode.INVALID_REQUEST_LINE, pos, "request line without an HTTP version");
          }
          return this.#fail(ParseCode.INVALID_TARGET, pos, `byte ${hex(c)} in the request-target`);
        }
        case St.S_VERSION: {
          // "HTTP/" DIGIT "." DIGIT, then CR: each byte is checked as it arrives.
          const m = this.#mark;
          while (pos < lim) {
            const i = pos - m;
            const c = b[pos];
            if (i === 8) break;
            const want = VERSION_PREFIX[i];
            if (want === 0 ? c < 48 || c > 57 : c !== want) {
              if (c === LF) return this.#fail(ParseCode.BARE_LF, pos, "LF without CR in the request line");
              return this.#fail(ParseCode.INVALID_VERSION, pos, "the version is not HTTP/DIGIT.DIGIT");
            }
            pos++;
          }
          if (pos === lim) break loop;
          const c = b[pos];
          if (c !== CR) {
            if (c === LF) return this.#fail(ParseCode.BARE_LF, pos, "LF without CR after the request line");
            return this.#fail(ParseCode.INVALID_VERSION, pos, "the version is not HTTP/DIGIT.DIGIT");
          }
          if (b[m + 5] !== 49) {
            return this.#fail(
              ParseCode.VERSION_NOT_SUPPORTED,
              m + 5,
              `HTTP/${b[m + 5] - 48}.x is not supported`,
            );
          }
          this.#minor = b[m + 7] === 48 ? 0 : 1;
          const bad = checkTarget(b, this.#targetStart, this.#targetEnd, this.#method);
          if (bad !== null) return this.#fail(ParseCode.INVALID_TARGET, this.#targetStart, bad);
          pos++;
          state = St.S_LINE_LF;
          continue;
        }
        case St.S_LINE_LF: {
          if (pos === lim) break loop;
          if (b[pos] !== LF) {
            return this.#fail(ParseCode.BARE_CR, pos, "CR without LF after the request line");
          }
          pos++;
          state = St.S_FIELD_START;
          continue;
        }
        case St.S_FIELD_START: {
          if (pos === lim) break loop;
          const c = b[pos];
          if (token[c] === 1) {
            if (this.#count === this.#maxHeaders && !this.#trailers) {
              return this.#fail(ParseCode.TOO_MANY_HEADERS, pos, `more than ${this.#maxHeaders} field lines`);
            }
            this.#nameStart = pos++;
            state = St.S_FIELD_NAME;
            continue;
          }
          if (c === CR) {
            pos++;
            state = St.S_SECTION_LF;
            continue;
          }
          if (c === SP || c === HTAB) {
            // RFC 9112 §5.2 (obs-fold) and §2.2 (whitespace after the start line): reject.
            return this.#fail(ParseCode.OBS_FOLD, pos, "field line starts with whitespace (obs-fold)");
          }
          if (c === LF) return this.#fail(ParseCode.BARE_LF, pos, "LF without CR in the field section");
          return this.#fail(ParseCode.INVALID_FIELD_NAME, pos, `byte ${hex(c)} in a field name`);
        }
        case St.S_FIELD_NAME: {
          while (pos < lim && token[b[pos]] === 1) pos++;
          if (pos === lim) break loop;
          const c = b[pos];
          if (c === COLON) {
            if (!this.#trailers) {
              this.#nameEnd = pos;
              this.#field = fieldOf(b, this.#nameStart, pos);
            }
            pos++;
            state = St.S_VALUE_START;
            continue;
          }
          if (c === SP || c === HTAB) {
            return this.#fail(
              ParseCode.SPACE_BEFORE_COLON,
              pos,
              "whitespace between a field name and its colon",
            );
          }
          if (c === CR || c === LF) {
            return this.#fail(ParseCode.INVALID_FIELD_NAME, pos, "field line without a colon");
          }
          return this.#fail(ParseCode.INVALID_FIELD_NAME, pos, `byte ${hex(c)} in a field name`);
        }
        case St.S_VALUE_START: {
          while (pos < lim && (b[pos] === 32 || b[pos] === 9)) pos++; // OWS
          if (pos === lim) break loop;
          this.#mark = pos;
          state = St.S_VALUE;
          continue;
        }
        case St.S_VALUE: {
          while (pos < lim && fieldValue[b[pos]] === 1) pos++;
          if (pos === lim) break loop;
          const c = b[pos];
          if (c !== CR) {
            if (c === LF) return this.#fail(ParseCode.BARE_LF, pos, "LF without CR in the field section");
            return this.#fail(ParseCode.INVALID_FIELD_VALUE, pos, `control byte ${hex(c)} in a field value`);
          }
          if (!this.#trailers && !this.#addField(b, pos)) return -1;
          pos++;
          state = St.S_VALUE_LF;
          continue;
        }
        case St.S_VALUE_LF: {
          if (pos === lim) break loop;
          if (b[pos] !== LF) return this.#fail(ParseCode.BARE_CR, pos, "CR without LF in the field section");
          pos++;
          state = St.S_FIELD_START;
          continue;
        }
        case St.S_SECTION_LF: {
          if (pos === lim) break loop;
          if (b[pos] !== LF) {
            return this.#fail(ParseCode.BARE_CR, pos, "CR without LF ending the field section");
          }
          pos++;
          state = St.S_DONE;
          break loop;
        }
        default:
          break loop;
      }
    }
    this.#state = state;
    return pos;
  }

  /** Records the field line whose value ends at `cr`, and reads it if it steers framing. */
  #addField(b: Uint8Array, cr: number): boolean {
    const vs = this.#mark;
    let ve = cr;
    while (ve > vs && (b[ve - 1] === SP || b[ve - 1] === HTAB)) ve--;
    let spans = this.#spans;
    const i = this.#count * 4;
    if (i === spans.length) {
      const grown = new Int32Array(Math.min(spans.length * 2, this.#maxHeaders * 4));
      grown.set(spans);
      this.#spans = spans = grown;
    }
    spans[i] = this.#nameStart;
    spans[i + 1] = this.#nameEnd;
    spans[i + 2] = vs;
    spans[i + 3] = ve;
    this.#count++;
    const field = this.#field;
    if (field === Field.OTHER) return true;
    this.#field = Field.OTHER;
    return this.#framingField(field, b, vs, ve);
  }

  /** Reads a field that steers framing or connection reuse (rare: not on the inline path). */
  #framingField(field: number, b: Uint8Array, vs: number, ve: number): boolean {
    const f = this.#flags;
    switch (field) {
      case Field.HOST:
        if (f & HeadFlag.HAS_HOST) {
          return this.#failBool(ParseCode.DUPLICATE_HOST, this.#nameStart, "more than one Host");
        }
        if (!isValidHost(b, vs, ve)) {
          return this.#failBool(ParseCode.INVALID_HOST, vs, "Host is not uri-host[:port]");
        }
        this.#flags = f | HeadFlag.HAS_HOST;
        this.#hostStart = vs;
        this.#hostEnd = ve;
        return true;
      case Field.CONTENT_LENGTH: {
        if (f & HeadFlag.HAS_CONTENT_LENGTH) {
          return this.#failBool(
            ParseCode.DUPLICATE_CONTENT_LENGTH,
            this.#nameStart,
            "more than one Content-Length",
          );
        }
        if (f & HeadFlag.HAS_TRANSFER_ENCODING) {
          return this.#failBool(
            ParseCode.CL_AND_TE,
            this.#nameStart,
            "Content-Length with Transfer-Encoding",
          );
        }
        const n = contentLengthOf(b, vs, ve);
        if (n < 0) {
          return this.#failBool(ParseCode.INVALID_CONTENT_LENGTH, vs, "Content-Length is not 1*DIGIT");
        }
        if (n > this.#maxBody) {
          return this.#failBool(ParseCode.BODY_TOO_LARGE, vs, `Content-Length over ${this.#maxBody}`);
        }
        this.#contentLength = n;
        this.#flags = f | HeadFlag.HAS_CONTENT_LENGTH;
        return true;
      }
      case Field.TRANSFER_ENCODING: {
        if (f & HeadFlag.HAS_CONTENT_LENGTH) {
          return this.#failBool(
            ParseCode.CL_AND_TE,
            this.#nameStart,
            "Transfer-Encoding with Content-Length",
          );
        }
        // Combine the lines in order (RFC 9110 §5.3): the last listed coding wins TE_LAST_CHUNKED.
        const bits = transferEncodingOf(b, vs, ve);
        let te = this.#te;
        if (bits & TE_ANY) te = (te & ~TE_LAST_CHUNKED) | (bits & TE_LAST_CHUNKED);
        if (bits & TE_CHUNKED && te & (TE_CHUNKED | TE_CHUNKED_TWICE)) te |= TE_CHUNKED_TWICE;
        te |= bits & (TE_ANY | TE_CHUNKED | TE_CHUNKED_TWICE | TE_UNKNOWN) |
          (bits & TE_ANY ? 0 : TE_MALFORMED) |
          (bits & TE_MALFORMED);
        this.#te = te;
        this.#flags = f | HeadFlag.HAS_TRANSFER_ENCODING;
        return true;
      }
      case Field.CONNECTION: {
        const c = connectionOf(b, vs, ve);
        this.#flags = f | (c & CONN_CLOSE ? HeadFlag.CONN_CLOSE : 0) |
          (c & CONN_KEEP_ALIVE ? HeadFlag.CONN_KEEP_ALIVE : 0) |
          (c & CONN_UPGRADE ? HeadFlag.CONN_UPGRADE : 0);
        return true;
      }
      case Field.EXPECT:
        this.#flags = f | HeadFlag.HAS_EXPECT | (isContinue(b, vs, ve) ? HeadFlag.EXPECT_CONTINUE : 0);
        return true;
      case Field.UPGRADE:
        this.#flags = f | HeadFlag.HAS_UPGRADE;
        return true;
    }
    return true;
  }

  /** The head is complete at `r` in `b`: decide framing and reuse (RFC 9112 §6.3, §9.3). */
  #headDone(b: Uint8Array, r: number): boolean {
    const at = r - 1;
    let f = this.#flags;
    const http11 = this.#minor === 1;
    if (http11 && !(f & HeadFlag.HAS_HOST)) {
      return this.#failBool(ParseCode.MISSING_HOST, at, "HTTP/1.1 request without Host");
    }
    if (f & HeadFlag.HAS_TRANSFER_ENCODING) {
      const te = this.#te;
      if (!http11) {
        return this.#failBool(ParseCode.TE_IN_HTTP10, at, "Transfer-Encoding in an HTTP/1.0 request");
      }
      if (te & TE_MALFORMED) {
        return this.#failBool(ParseCode.INVALID_TRANSFER_ENCODING, at, "malformed Transfer-Encoding");
      }
      if (te & TE_CHUNKED_TWICE) {
        return this.#failBool(ParseCode.INVALID_TRANSFER_ENCODING, at, "chunked applied twice");
      }
      if (!(te & TE_LAST_CHUNKED)) {
        return this.#failBool(ParseCode.TE_NOT_CHUNKED, at, "the final transfer coding is not chunked");
      }
      if (te & TE_UNKNOWN) return this.#failBool(ParseCode.TE_UNSUPPORTED, at, "unsupported transfer coding");
      f |= HeadFlag.CHUNKED;
    }
    if (
      http11
        ? !(f & HeadFlag.CONN_CLOSE)
        : (f & (HeadFlag.CONN_KEEP_ALIVE | HeadFlag.CONN_CLOSE)) === HeadFlag.CONN_KEEP_ALIVE
    ) {
      f |= HeadFlag.KEEP_ALIVE;
    }
    if (this.#method === Method.CONNECT) {
      // After CONNECT the stream is a tunnel, not HTTP: stop parsing (RFC 9110 §9.3.6).
      f = (f & ~HeadFlag.KEEP_ALIVE) | HeadFlag.UPGRADE;
    } else if (
      http11 &&
      (f & (HeadFlag.CONN_UPGRADE | HeadFlag.HAS_UPGRADE)) === (HeadFlag.CONN_UPGRADE | HeadFlag.HAS_UPGRADE)
    ) {
      f |= HeadFlag.UPGRADE;
    }
    if (!http11) f &= ~HeadFlag.EXPECT_CONTINUE; // RFC 9110 §10.1.1: ignored in HTTP/1.0.
    this.#flags = f;
    this.#headBuf = b;
    this.#hb = null;
    if (f & HeadFlag.CHUNKED) {
      this.#phase = St.PH_CHUNK_LINE;
      this.#chunk.state = St.S_CHUNK_SIZE_START;
      this.#lineStart = this.#posBase + r;
    } else if (this.#contentLength > 0) {
      this.#phase = St.PH_BODY;
      this.#remaining = this.#contentLength;
    } else {
      this.#phase = St.PH_COMPLETE;
    }
    return true;
  }

  // ---- the chunked body ------------------------------------------------------

  /** Runs the chunk-size line grammar (in `_chunk-line.ts`); returns the index after it, `end`, or -1. */
  #chunkLine(buf: Uint8Array, pos: number, end: number): number {
    const lineLim = this.#lineStart + this.#maxChunkLine - this.#base;
    const lim = end < lineLim ? end : lineLim;
    const st = this.#chunk;
    const r = chunkLine(st, buf, pos, lim, this.#maxBody - this.#bodyBytes);
    if (r < 0) return this.#fail(st.errCode, st.errAt, chunkLineReason(st.errCode));
    if (st.state === St.S_DONE) {
      const size = st.size;
      this.#bodyBytes += size;
      if (size === 0) {
        this.#phase = St.PH_TRAILERS;
        this.#state = St.S_FIELD_START;
        this.#trailers = true;
        this.#lineStart = this.#base + r;
      } else {
        this.#phase = St.PH_CHUNK_DATA;
        this.#remaining = size;
      }
      return r;
    }
    if (lim < end) return this.#fail(ParseCode.CHUNK_LINE_TOO_LONG, lim, "chunk-size line too long");
    return end;
  }

  /** The CRLF after chunk data. */
  #chunkEnd(buf: Uint8Array, pos: number): number {
    const c = buf[pos];
    if (this.#state === St.S_DATA_CR) {
      if (c !== CR) {
        if (c === LF) return this.#fail(ParseCode.BARE_LF, pos, "LF without CR after chunk data");
        return this.#fail(ParseCode.INVALID_CHUNK_END, pos, "chunk data not followed by CRLF");
      }
      this.#state = St.S_DATA_LF;
      return pos + 1;
    }
    if (c !== LF) return this.#fail(ParseCode.BARE_CR, pos, "CR without LF after chunk data");
    this.#phase = St.PH_CHUNK_LINE;
    this.#chunk.state = St.S_CHUNK_SIZE_START;
    this.#lineStart = this.#base + pos + 1;
    return pos + 1;
  }

  // ---- failures ------------------------------------------------------------

  /** Records a failure at index `i` of the buffer the grammar runs on; returns -1. */
  #fail(code: ParseCode, i: number, reason: string): number {
    return this.#failAt(code, this.#posBase + i, reason);
  }

  #failBool(code: ParseCode, i: number, reason: string): boolean {
    this.#fail(code, i, reason);
    return false;
  }

  #failAt(code: ParseCode, pos: number, reason: string): number {
    this.#error = new HttpParseError(code, reason, pos);
    this.#phase = St.PH_ERROR;
    this.#hb = null;
    return -1;
  }

  /** Ends an `execute` that failed. */
  #failed(): number {
    const err = this.#error!;
    const i = err.pos - this.#base;
    this.#offset = i;
    this.#consumed = err.pos;
    return err.parseCode;
  }

  #stop(pos: number, code: number): number {
    this.#offset = pos;
    this.#consumed = this.#base + pos;
    return code;
  }
}

function hex(c: number): string {
  return `0x${c.toString(16).padStart(2, "0")}`;
}

function limit(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!(value > 0)) {
    throw new TriloopError("TRI_ERR_INVALID_ARG", `Option '${name}' must be a positive number, got ${value}`);
  }
  return value === Infinity ? Number.MAX_SAFE_INTEGER : Math.floor(value);
}
