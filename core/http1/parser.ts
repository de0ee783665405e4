/**
 * The HTTP/1.1 request parser: incremental, resumable, strict.
 *
 * Invariants:
 * - **HP1 split-invariant**: the events, the values they report and the
 *   outcome (code, and for a failure its `pos`) are the same however the
 *   byte stream is cut into `execute` calls — one call, or one per byte.
 * - **HP2 no-copy**: body bytes are reported as spans of the caller's buffer;
 *   head fields are spans of the caller's buffer, or of a head buffer when the
 *   head arrived in pieces. Nothing becomes a string unless a consumer asks.
 * - **HP3 strict-by-default**: every framing ambiguity of RFC 9112 that has
 *   been used for request smuggling is a failure with a named code (see
 *   `codes.ts`); no leniency is offered.
 * - **HP4 bounded**: the parser keeps at most `maxHeaderBytes` of input, and
 *   does a bounded amount of work per byte; it never throws on any input.
 * - **HP5 fail-once**: after a failure, `error` is set and every later call
 *   returns the same code without reading.
 * - **HP6 pause-at-boundary**: `pause()` from a callback makes `execute`
 *   return `PAUSED` before it consumes another byte; `offset` is where to
 *   resume. No event is left pending at a pause: the message-complete event
 *   of a message with no (more) body is delivered before the pause.
 *
 * @module
 */

import * as codes from "./codes.ts";
import { HttpParseError } from "./codes.ts";
import { TriloopError } from "../errors.ts";
import * as head from "./head.ts";
import { findField, type HeadSource, RequestHead } from "./head.ts";
import * as methods from "./methods.ts";
import { type ChunkLine, chunkLine, chunkLineReason, chunkLineState } from "./_chunk-line.ts";
import { HeadGrammar } from "./_head-grammar.ts";
import * as St from "./states.ts";
import * as tokens from "./tokens.ts";

// Module-level copies of the imported constants and tables. V8 reads an imported binding
// through its module cell, with a TDZ check, at every use (and cannot fold a
// namespace member into a case label); a module-level const it folds into the
// compiled code. In the parser's loops those reads would be most of the work.
const {
  PH_BODY,
  PH_CHUNK_DATA,
  PH_CHUNK_END,
  PH_CHUNK_LINE,
  PH_CLOSED,
  PH_COMPLETE,
  PH_ERROR,
  PH_HEAD,
  PH_TRAILERS,
  S_CHUNK_SIZE_START,
  S_DATA_CR,
  S_DATA_LF,
  S_DONE,
  S_FIELD_START,
  S_START,
  S_START_LF,
} = St;
const { CR, latin1, LF } = tokens;
const { ParseCode } = codes;
type ParseCode = codes.ParseCode;
const { HeadFlag } = head;
const { Method, METHOD_NAMES } = methods;
type Method = methods.Method;

const KiB = 1024;
const MiB = 1024 * KiB;

/**
 * The events of a parse, one static object per server (like
 * `SocketHandler`): per-connection state goes on `parser.data`.
 *
 * A callback may call `parser.pause()` (HP6). A callback that throws leaves
 * the parser in an unspecified state: the throw propagates out of `execute`,
 * and the connection should be closed.
 */
export interface Http1Handler<T = unknown> {
  /** The first byte of a request line arrived (for a headers timeout). `pause()` is not honoured here. */
  onMessageBegin?(parser: Http1Parser<T>): void;
  /**
   * The head is complete and valid: method, target, version, fields and the
   * framing decision are readable on `parser` (or `parser.requestHead()`).
   * To switch protocols (`parser.upgrade`), `pause()` here: the bytes from
   * `offset` on are the new protocol's (for CONNECT, after the message).
   */
  onHeaders(parser: Http1Parser<T>): void;
  /** Body bytes `buf[start..end)`: the caller's buffer, de-chunked, never copied (HP2). */
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
   * Default 128 MiB (the default of Bun's serve()): bodies stream, so this bounds
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
 * current request from `onHeaders` until `onMessageComplete` returns; then
 * the parser lets go of the head's bytes (an idle connection pins no read
 * buffer). Take a {@link requestHead} to keep them longer.
 *
 * @example A server's data path, one request at a time
 * ```ts
 * import { Http1Parser } from "./parser.ts";
 * import { ParseCode } from "./codes.ts";
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
  readonly #g: HeadGrammar;
  readonly #maxChunkLine: number;

  #phase: number = PH_HEAD;
  #paused = false;
  #error: HttpParseError | null = null;
  #offset = 0;
  /** Stream offset of the next byte to be fed. */
  #consumed = 0;
  /** Stream offset of index 0 of the buffer given to the current `execute`. */
  #base = 0;
  #messages = 0;

  // The body.
  #remaining = 0;
  #bodyBytes = 0;
  /** Stream offset where the current chunk-size line (or trailer section) began. */
  #lineStart = 0;
  #chunk: ChunkLine = chunkLineState();
  /** S_DATA_CR or S_DATA_LF, in PH_CHUNK_END. */
  #dataEnd = S_DATA_CR;

  constructor(handler: Http1Handler<T>, options: Http1ParserOptions = {}) {
    this.#h = handler;
    this.#g = new HeadGrammar({
      maxHead: limit(options.maxHeaderBytes, 16 * KiB, "maxHeaderBytes"),
      maxUri: limit(options.maxUriBytes, 8 * KiB, "maxUriBytes"),
      maxHeaders: limit(options.maxHeaders, 100, "maxHeaders"),
      maxBody: Math.min(limit(options.maxBodyBytes, 128 * MiB, "maxBodyBytes"), Number.MAX_SAFE_INTEGER),
    });
    this.#maxChunkLine = limit(options.maxChunkLineBytes, KiB, "maxChunkLineBytes");
  }

  // ---- driving -------------------------------------------------------------

  /**
   * Parses `buf[start..end)` (`0 <= start <= end <= buf.length`, not
   * checked: this is the hot path), the next bytes of the connection's stream.
   * Returns `OK` when all were consumed, `PAUSED` (see `offset`), `CLOSED`
   * (the last message ended the connection; see `offset`) or a failure code
   * (see `error`). The parser keeps no reference to `buf` except through the
   * head spans of a head that completed in it.
   */
  execute(buf: Uint8Array, start: number, end: number): number {
    const phase0 = this.#phase;
    if (phase0 >= PH_CLOSED) {
      this.#offset = start;
      return phase0 === PH_CLOSED ? ParseCode.CLOSED : this.#error!.parseCode;
    }
    this.#paused = false;
    const base = this.#consumed - start;
    this.#base = base;
    const h = this.#h;
    const g = this.#g;
    let pos = start;
    for (;;) {
      // Labels are compared in order: every request passes HEAD and COMPLETE.
      switch (this.#phase) {
        case PH_HEAD: {
          if (this.#paused) return this.#stop(pos, ParseCode.PAUSED);
          if (g.state <= S_START_LF) {
            pos = g.start(buf, pos, end, base);
            if (pos < 0) return this.#grammarFailed();
            if (g.state <= S_START_LF) return this.#stop(end, ParseCode.OK);
            this.#bodyBytes = 0;
            h.onMessageBegin?.(this);
          }
          pos = g.run(buf, pos, end, base);
          if (pos < 0) return this.#grammarFailed();
          if (g.state !== S_DONE) return this.#stop(end, ParseCode.OK);
          this.#headDone(base + pos);
          h.onHeaders(this);
          continue;
        }
        case PH_COMPLETE: {
          this.#messages++;
          g.emptyLines = 0;
          if (g.flags & HeadFlag.KEEP_ALIVE) {
            this.#phase = PH_HEAD;
            g.state = S_START;
          } else {
            this.#phase = PH_CLOSED;
          }
          h.onMessageComplete(this);
          // Let go of the head's bytes: an idle connection must not pin its last read buffer.
          g.release();
          if (this.#phase === PH_CLOSED) return this.#stop(pos, ParseCode.CLOSED);
          continue;
        }
        case PH_BODY: {
          if (this.#paused) return this.#stop(pos, ParseCode.PAUSED);
          if (pos === end) return this.#stop(end, ParseCode.OK);
          const s = pos;
          pos = this.#take(pos, end);
          if (this.#remaining === 0) this.#phase = PH_COMPLETE;
          h.onBody?.(this, buf, s, pos);
          continue;
        }
        case PH_CHUNK_DATA: {
          if (this.#paused) return this.#stop(pos, ParseCode.PAUSED);
          if (pos === end) return this.#stop(end, ParseCode.OK);
          const s = pos;
          pos = this.#take(pos, end);
          if (this.#remaining === 0) {
            this.#phase = PH_CHUNK_END;
            this.#dataEnd = S_DATA_CR;
          }
          h.onBody?.(this, buf, s, pos);
          continue;
        }
        case PH_CHUNK_LINE: {
          if (this.#paused) return this.#stop(pos, ParseCode.PAUSED);
          pos = this.#chunkLine(buf, pos, end);
          if (pos < 0) return this.#failed();
          if (this.#phase === PH_CHUNK_LINE) return this.#stop(end, ParseCode.OK);
          continue;
        }
        case PH_CHUNK_END: {
          if (pos === end) return this.#stop(end, ParseCode.OK);
          pos = this.#chunkEnd(buf, pos);
          if (pos < 0) return this.#failed();
          continue;
        }
        case PH_TRAILERS: {
          if (pos === end) return this.#stop(end, ParseCode.OK);
          // The trailer section is bounded like a head, counted from its start.
          const lim = Math.min(end, this.#lineStart + g.maxHead - base);
          g.posBase = base;
          pos = g.fields(buf, pos, lim);
          if (pos < 0) return this.#grammarFailed();
          if (g.state === S_DONE) {
            this.#phase = PH_COMPLETE;
            continue;
          }
          if (lim < end) {
            this.#failAt(ParseCode.HEADER_OVERFLOW, base + lim, "trailer section too large");
            return this.#failed();
          }
          return this.#stop(end, ParseCode.OK);
        }
        default:
          // PH_CLOSED or PH_ERROR: a callback called reset() or failed the parse mid-run.
          return this.#stop(pos, this.#phase === PH_CLOSED ? ParseCode.CLOSED : this.#error!.parseCode);
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
    if (phase === PH_ERROR) return this.#error!.parseCode;
    if (phase === PH_CLOSED) return ParseCode.CLOSED;
    if (phase === PH_HEAD && this.#g.state <= S_START_LF) return ParseCode.OK;
    this.#failAt(ParseCode.UNEXPECTED_EOF, this.#consumed, "the stream ended inside a request");
    return ParseCode.UNEXPECTED_EOF;
  }

  /** From a callback: return from `execute` with `PAUSED` before the next byte (HP6). */
  pause(): void {
    this.#paused = true;
  }

  /** Forgets the parse, as if new; keeps `data` (to reuse the parser for another connection, set it). */
  reset(): void {
    const g = this.#g;
    this.#phase = PH_HEAD;
    this.#paused = false;
    this.#error = null;
    this.#offset = 0;
    this.#consumed = 0;
    this.#messages = 0;
    g.state = S_START;
    g.emptyLines = 0;
    g.hb = null;
    g.begin();
    g.release();
  }

  // ---- state readable by the consumer --------------------------------------

  /** After `PAUSED` or `CLOSED`: the index in the last `buf` of the first byte not consumed. */
  get offset(): number {
    return this.#offset;
  }
  /** The failure, once there is one (HP5). */
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
    return this.#phase === PH_HEAD && this.#g.state <= S_START_LF;
  }
  /** True while a head is being received (for a headers timeout: 408). */
  get inHead(): boolean {
    return this.#phase === PH_HEAD && this.#g.state > S_START_LF;
  }
  /** Bytes of input the parser holds on to now (HP4): at most `maxHeaderBytes`. */
  get retainedBytes(): number {
    const hb = this.#g.hb;
    return hb === null ? 0 : hb.length;
  }
  /** `"PHASE/STATE"`, for debugging. */
  get stateName(): string {
    const p = this.#phase;
    return St.stateName(
      p,
      p === PH_CHUNK_LINE ? this.#chunk.state : p === PH_CHUNK_END ? this.#dataEnd : this.#g.state,
    );
  }

  /** The bytes every head span indexes. */
  get head(): Uint8Array {
    return this.#g.headBuf;
  }
  /** `[nameStart, nameEnd, valueStart, valueEnd]` per field line; the first `headerCount * 4` are valid. */
  get spans(): Int32Array {
    return this.#g.spans;
  }
  get headerCount(): number {
    return this.#g.count;
  }
  get method(): Method {
    return this.#g.method;
  }
  /** The method name, interned for known methods. */
  get methodName(): string {
    const g = this.#g;
    return g.method !== Method.OTHER
      ? METHOD_NAMES[g.method]
      : latin1(g.headBuf, g.headStart, g.targetStart - 1);
  }
  get methodStart(): number {
    return this.#g.headStart;
  }
  get methodEnd(): number {
    return this.#g.targetStart - 1;
  }
  get targetStart(): number {
    return this.#g.targetStart;
  }
  get targetEnd(): number {
    return this.#g.targetEnd;
  }
  /** Span of the Host value in `head`, or -1. */
  get hostStart(): number {
    return this.#g.hostStart;
  }
  get hostEnd(): number {
    return this.#g.hostEnd;
  }
  /** `0` for HTTP/1.0; `1` for HTTP/1.1 or a higher 1.x. */
  get versionMinor(): number {
    return this.#g.minor;
  }
  /** {@link HeadFlag} bits. */
  get flags(): number {
    return this.#g.flags;
  }
  /** The declared Content-Length, or -1. */
  get contentLength(): number {
    return this.#g.contentLength;
  }
  get keepAlive(): boolean {
    return (this.#g.flags & HeadFlag.KEEP_ALIVE) !== 0;
  }
  get chunked(): boolean {
    return (this.#g.flags & HeadFlag.CHUNKED) !== 0;
  }
  get expectContinue(): boolean {
    return (this.#g.flags & HeadFlag.EXPECT_CONTINUE) !== 0;
  }
  get upgrade(): boolean {
    return (this.#g.flags & HeadFlag.UPGRADE) !== 0;
  }
  /** The request-target as a string. */
  target(): string {
    const g = this.#g;
    return latin1(g.headBuf, g.targetStart, g.targetEnd);
  }
  /** The value of field `name` (case-insensitive, lines joined with `, `), or `null`. */
  header(name: string): string | null {
    const g = this.#g;
    return findField(g.headBuf, g.spans, g.count, name);
  }
  /** A snapshot of the current head that outlives the parser's next request. */
  requestHead(): RequestHead {
    return new RequestHead(this);
  }

  // ---- phases after the head -------------------------------------------------

  /** The head ended at stream offset `at`: pick the body phase (RFC 9112 §6.3). */
  #headDone(at: number): void {
    const g = this.#g;
    if (g.flags & HeadFlag.CHUNKED) {
      this.#phase = PH_CHUNK_LINE;
      this.#chunk.state = S_CHUNK_SIZE_START;
      this.#lineStart = at;
    } else if (g.contentLength > 0) {
      this.#phase = PH_BODY;
      this.#remaining = g.contentLength;
    } else {
      this.#phase = PH_COMPLETE;
    }
  }

  /** Runs the chunk-size line grammar (in `_chunk-line.ts`); returns the index after it, `end`, or -1. */
  #chunkLine(buf: Uint8Array, pos: number, end: number): number {
    const base = this.#base;
    const lineLim = this.#lineStart + this.#maxChunkLine - base;
    const lim = end < lineLim ? end : lineLim;
    const st = this.#chunk;
    const r = chunkLine(st, buf, pos, lim, this.#g.maxBody - this.#bodyBytes);
    if (r < 0) return this.#failAt(st.errCode, base + st.errAt, chunkLineReason(st.errCode));
    if (st.state === S_DONE) {
      const size = st.size;
      this.#bodyBytes += size;
      if (size === 0) {
        const g = this.#g;
        this.#phase = PH_TRAILERS;
        g.state = S_FIELD_START;
        g.trailers = true;
        this.#lineStart = base + r;
      } else {
        this.#phase = PH_CHUNK_DATA;
        this.#remaining = size;
      }
      return r;
    }
    if (lim < end) return this.#failAt(ParseCode.CHUNK_LINE_TOO_LONG, base + lim, "chunk-size line too long");
    return end;
  }

  /** The CRLF after chunk data. */
  #chunkEnd(buf: Uint8Array, pos: number): number {
    const c = buf[pos];
    const at = this.#base + pos;
    if (this.#dataEnd === S_DATA_CR) {
      if (c !== CR) {
        if (c === LF) return this.#failAt(ParseCode.BARE_LF, at, "LF without CR after chunk data");
        return this.#failAt(ParseCode.INVALID_CHUNK_END, at, "chunk data not followed by CRLF");
      }
      this.#dataEnd = S_DATA_LF;
      return pos + 1;
    }
    if (c !== LF) return this.#failAt(ParseCode.BARE_CR, at, "CR without LF after chunk data");
    this.#phase = PH_CHUNK_LINE;
    this.#chunk.state = S_CHUNK_SIZE_START;
    this.#lineStart = at + 1;
    return pos + 1;
  }

  // ---- failures ------------------------------------------------------------

  /** Records a failure at stream offset `pos`; returns -1. */
  #failAt(code: ParseCode, pos: number, reason: string): number {
    this.#error = new HttpParseError(code, reason, pos);
    this.#phase = PH_ERROR;
    this.#g.hb = null;
    return -1;
  }

  /** Ends an `execute` whose head grammar failed. */
  #grammarFailed(): number {
    const g = this.#g;
    this.#failAt(g.errCode, g.errPos, g.errReason);
    return this.#failed();
  }

  /** Ends an `execute` that failed. */
  #failed(): number {
    const err = this.#error!;
    this.#offset = err.pos - this.#base;
    this.#consumed = err.pos;
    return err.parseCode;
  }

  /** Takes what `[pos, end)` holds of the body or chunk data still due; returns where that ends. */
  #take(pos: number, end: number): number {
    const left = this.#remaining;
    const to = end - pos < left ? end : pos + left;
    this.#remaining = left - (to - pos);
    return to;
  }

  #stop(pos: number, code: number): number {
    this.#offset = pos;
    this.#consumed = this.#base + pos;
    return code;
  }
}

function limit(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!(value > 0)) {
    throw new TriloopError("TRI_ERR_INVALID_ARG", `Option '${name}' must be a positive number, got ${value}`);
  }
  return value === Infinity ? Number.MAX_SAFE_INTEGER : Math.floor(value);
}
