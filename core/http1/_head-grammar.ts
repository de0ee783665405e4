/**
 * The grammar of a request head — request line, field section, and the
 * decisions that follow from its fields (framing, reuse) — and the state it
 * keeps: field spans, flags, the head buffer of a head split across chunks.
 * Also runs trailer sections (`trailers`), checking bytes without keeping
 * spans. Driven by `Http1Parser`, which owns phases, bodies and events.
 *
 * Two readers of one grammar: a head that is whole in its chunk and in the
 * usual shape is read in one pass on locals (`quick`); any other head (split
 * across chunks, unusual, or wrong) goes to the resumable state machine
 * (`fields`), which `quick` falls back to having kept nothing. Tests compare
 * the two head by head (tests/http1/quick-head.test.ts).
 *
 * Failures return -1 with `errCode`, `errPos` (a stream offset) and
 * `errReason` set; the parser turns them into an `HttpParseError`.
 *
 * @module
 */

import * as codes from "./codes.ts";
import * as fieldNames from "./field-names.ts";
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
import * as head from "./head.ts";
import * as methods from "./methods.ts";
import * as St from "./states.ts";
import * as tokens from "./tokens.ts";
import * as requestLine from "./_request-line.ts";

// Module-level copies of the imported constants and tables, read in the byte
// loops and case labels (why: see parser.ts).
const {
  S_DONE,
  S_FIELD_NAME,
  S_FIELD_START,
  S_LINE_LF,
  S_METHOD,
  S_SECTION_LF,
  S_START,
  S_START_LF,
  S_TARGET,
  S_VALUE,
  S_VALUE_LF,
  S_VALUE_START,
  S_VERSION,
} = St;
const { COLON, CR, FIELD_VALUE, HOST, HTAB, LF, SP, TOKEN } = tokens;
const { ParseCode } = codes;
type ParseCode = codes.ParseCode;
const { Field, fieldOf } = fieldNames;
const { HeadFlag } = head;
const { Method, methodOf } = methods;
type Method = methods.Method;
const { checkTarget, VERSION_PREFIX } = requestLine;

const EMPTY = new Uint8Array(0);

// The byte loops step with `p = (p + 1) | 0`, not `p++`: V8 then keeps the
// index a plain int32, with no overflow check per byte: about a third fewer
// instructions per byte in a table scan. The field-value check is a table for
// the same reason: with this stepping, a table load costs less than the
// compares of its two ranges.

/** Limits the head grammar enforces. */
export interface HeadLimits {
  maxHead: number;
  maxUri: number;
  maxHeaders: number;
  maxBody: number;
}

/** One connection's head grammar and head state. Fields are read by `Http1Parser`. */
export class HeadGrammar {
  readonly maxHead: number;
  readonly maxUri: number;
  readonly maxHeaders: number;
  readonly maxBody: number;

  state: number = S_START;
  /** Parsing a trailer section: bytes are checked, nothing is kept. */
  trailers = false;
  emptyLines = 0;
  /** Stream offset of index 0 of the buffer the grammar runs on. */
  posBase = 0;

  /** The bytes every head span indexes: the caller's buffer, or `hb`. */
  headBuf: Uint8Array = EMPTY;
  /**
   * The head buffer, used only while a head is split across chunks. Why
   * copy the partial head rather than keep a list of chunks: every span then
   * indexes one contiguous buffer, so the grammar runs unchanged on it and a
   * consumer gets plain offsets. Only a split head pays (at most
   * `maxHeaderBytes`, each byte copied once); the common one-chunk head is
   * never copied. Once the head completes the buffer is let go and never
   * written again, so spans into it stay valid for whoever keeps them.
   */
  hb: Uint8Array | null = null;
  hbLen = 0;
  /** Stream offset of `hb[0]`, the first byte of the head. */
  headStream = 0;

  headStart = 0;
  targetStart = 0;
  targetEnd = 0;
  /** Start of the token being read (version, value). */
  mark = 0;
  nameStart = 0;
  nameEnd = 0;
  field: number = Field.OTHER;
  /** `[nameStart, nameEnd, valueStart, valueEnd]` per field line. */
  spans: Int32Array = new Int32Array(64);
  count = 0;
  method: Method = Method.OTHER;
  minor = 1;
  flags = 0;
  te = 0;
  contentLength = -1;
  hostStart = -1;
  hostEnd = -1;

  errCode: ParseCode = ParseCode.OK;
  errPos = 0;
  errReason = "";

  constructor(limits: HeadLimits) {
    this.maxHead = limits.maxHead;
    this.maxUri = limits.maxUri;
    this.maxHeaders = limits.maxHeaders;
    this.maxBody = limits.maxBody;
  }

  /**
   * Runs the head grammar on `buf[pos..end)` once a message has begun
   * (`start`); `base` is the stream offset of `buf[0]`. Returns the index in
   * `buf` after the head (state `S_DONE`), `end` when more is needed, or -1.
   */
  run(buf: Uint8Array, pos: number, end: number, base: number): number {
    this.posBase = base;
    if (this.hb === null) {
      const lim = Math.min(end, this.headStart + this.maxHead);
      if (this.state === S_METHOD && pos === this.headStart) {
        // A whole head in this chunk, in the usual shape: one pass, no states.
        const q = this.quick(buf, pos, lim);
        if (q !== -2) return q < 0 || this.done(buf, q) ? q : -1;
      }
      const r = this.fields(buf, pos, lim);
      if (r < 0) return -1;
      if (this.state === S_DONE) return this.done(buf, r) ? r : -1;
      if (lim < end) return this.fail(ParseCode.HEADER_OVERFLOW, lim, "header section too large");
      this.toBuffered(buf, end, base);
      return end;
    }
    // The head began in an earlier chunk: append to #hb, a piece at a time so
    // a big body after the head is not copied, and run the grammar there.
    this.posBase = this.headStream;
    for (;;) {
      const len = this.hbLen;
      const avail = end - pos;
      if (avail === 0) break;
      let hb: Uint8Array = this.hb!;
      if (len === hb.length) {
        if (len >= this.maxHead) {
          return this.fail(ParseCode.HEADER_OVERFLOW, this.maxHead, "header section too large");
        }
        const grown = new Uint8Array(Math.min(this.maxHead, len * 2));
        grown.set(hb);
        this.hb = hb = grown;
      }
      const n = Math.min(avail, hb.length - len);
      if (n < 64) { for (let i = 0; i < n; i++) hb[len + i] = buf[pos + i]; }
      else hb.set(buf.subarray(pos, pos + n), len);
      this.hbLen = len + n;
      const r = this.fields(hb, len, len + n);
      if (r < 0) return -1;
      if (this.state === S_DONE) {
        return this.done(hb, r) ? pos + (r - len) : -1;
      }
      pos += n;
    }
    return end;
  }

  /**
   * Skips empty lines before a request line; at its first byte, begins a
   * message (state `S_METHOD`). `base` is the stream offset of `buf[0]`.
   */
  start(buf: Uint8Array, pos: number, end: number, base: number): number {
    this.posBase = base;
    let state = this.state;
    while (pos < end) {
      const c = buf[pos];
      if (state === S_START_LF) {
        if (c !== LF) return this.fail(ParseCode.BARE_CR, pos, "CR without LF before the request line");
        state = S_START;
        pos++;
      } else if (c === CR) {
        // RFC 9112 §2.2 lets a server skip empty lines here; they count against the head limit.
        if (++this.emptyLines * 2 > this.maxHead) {
          return this.fail(ParseCode.HEADER_OVERFLOW, pos, "too many empty lines before the request line");
        }
        state = S_START_LF;
        pos++;
      } else if (c === LF) {
        return this.fail(ParseCode.BARE_LF, pos, "LF without CR before the request line");
      } else {
        this.begin();
        this.headStart = pos;
        this.state = S_METHOD;
        return pos;
      }
    }
    this.state = state;
    return pos;
  }

  /** Resets the per-message head state. */
  begin(): void {
    this.clear();
    this.trailers = false;
    this.headStart = this.targetStart = this.targetEnd = 0;
  }

  /** Forgets what was read of a head (its fields, flags and request line facts). */
  clear(): void {
    this.count = 0;
    this.flags = 0;
    this.te = 0;
    this.contentLength = -1;
    this.hostStart = -1;
    this.hostEnd = -1;
    this.method = Method.OTHER;
    this.minor = 1;
  }

  /** Drops the head's bytes and spans once its message is complete (flags stay readable). */
  release(): void {
    this.headBuf = EMPTY;
    this.count = 0;
    this.headStart = this.targetStart = this.targetEnd = 0;
    this.hostStart = this.hostEnd = -1;
  }

  /** The head continues in the next chunk: copy its bytes so far into a fresh #hb and rebase every span. */
  toBuffered(buf: Uint8Array, end: number, base: number): void {
    const hs = this.headStart;
    const n = end - hs;
    const hb = new Uint8Array(Math.min(this.maxHead, Math.max(512, n * 2)));
    hb.set(buf.subarray(hs, end));
    this.hb = hb;
    this.hbLen = n;
    this.headStream = base + hs;
    this.headStart = 0;
    this.targetStart -= hs;
    this.targetEnd -= hs;
    this.mark -= hs;
    this.nameStart -= hs;
    this.nameEnd -= hs;
    if (this.hostStart >= 0) {
      this.hostStart -= hs;
      this.hostEnd -= hs;
    }
    const spans = this.spans;
    for (let i = 0; i < this.count * 4; i++) spans[i] -= hs;
  }

  /**
   * The grammar of the request line and of a field section (the head's, or
   * the trailers' when #trailers is set), on `b[pos..lim)`. Returns the index
   * it stopped at (`lim` when it needs more; after the final LF when the
   * state is S_DONE), or -1. The scanning loops are inline and table-driven:
   * no call per byte.
   */
  fields(b: Uint8Array, pos: number, lim: number): number {
    // The table in a local: one load per call instead of one per byte, whatever
    // a module transform does to imports (vitest and CJS wrappers make them getters).
    const token = TOKEN;
    let state = this.state;
    loop: for (;;) {
      // The cases are compared in order (their labels are not literals), so the
      // states of a field line come first: they run once per line, the rest once.
      switch (state) {
        case S_FIELD_START: {
          if (pos === lim) break loop;
          const c = b[pos];
          if (token[c] === 1) {
            if (this.count === this.maxHeaders && !this.trailers) {
              return this.fail(ParseCode.TOO_MANY_HEADERS, pos, `more than ${this.maxHeaders} field lines`);
            }
            this.nameStart = pos++;
            state = S_FIELD_NAME;
            continue;
          }
          if (c === CR) {
            pos++;
            state = S_SECTION_LF;
            continue;
          }
          if (c === SP || c === HTAB) {
            // RFC 9112 §5.2 (obs-fold) and §2.2 (whitespace after the start line): reject.
            return this.fail(ParseCode.OBS_FOLD, pos, "field line starts with whitespace (obs-fold)");
          }
          if (c === LF) return this.fail(ParseCode.BARE_LF, pos, "LF without CR in the field section");
          return this.fail(ParseCode.INVALID_FIELD_NAME, pos, `byte ${hex(c)} in a field name`);
        }
        case S_FIELD_NAME: {
          while (pos < lim && token[b[pos]] === 1) pos = (pos + 1) | 0;
          if (pos === lim) break loop;
          const c = b[pos];
          if (c === COLON) {
            if (!this.trailers) {
              this.nameEnd = pos;
              this.field = fieldOf(b, this.nameStart, pos);
            }
            // OWS inline: one dispatch less per field line.
            pos++;
            while (pos < lim && (b[pos] === 32 || b[pos] === 9)) pos = (pos + 1) | 0;
            if (pos === lim) {
              state = S_VALUE_START;
              break loop;
            }
            this.mark = pos;
            state = S_VALUE;
            continue;
          }
          if (c === SP || c === HTAB) {
            return this.fail(
              ParseCode.SPACE_BEFORE_COLON,
              pos,
              "whitespace between a field name and its colon",
            );
          }
          if (c === CR || c === LF) {
            return this.fail(ParseCode.INVALID_FIELD_NAME, pos, "field line without a colon");
          }
          return this.fail(ParseCode.INVALID_FIELD_NAME, pos, `byte ${hex(c)} in a field name`);
        }
        case S_VALUE: {
          // A Host value read whole from its first byte in the host alphabet is
          // valid as it stands: one pass instead of two.
          let hostOk = false;
          if (this.field === Field.HOST && pos === this.mark) {
            const host = HOST;
            while (pos < lim && host[b[pos]] === 1) pos = (pos + 1) | 0;
            hostOk = pos < lim && b[pos] === CR;
          }
          const value = FIELD_VALUE; // HTAB / SP / VCHAR / obs-text
          while (pos < lim && value[b[pos]] === 1) pos = (pos + 1) | 0;
          if (pos === lim) break loop;
          const c = b[pos];
          if (c !== CR) {
            if (c === LF) return this.fail(ParseCode.BARE_LF, pos, "LF without CR in the field section");
            return this.fail(ParseCode.INVALID_FIELD_VALUE, pos, `control byte ${hex(c)} in a field value`);
          }
          if (!this.trailers && !this.addField(b, pos, hostOk)) return -1;
          // The LF inline when it is there: one dispatch less per field line.
          if (++pos < lim && b[pos] === LF) {
            pos++;
            state = S_FIELD_START;
          } else {
            state = S_VALUE_LF;
          }
          continue;
        }
        case S_VALUE_START: {
          while (pos < lim && (b[pos] === 32 || b[pos] === 9)) pos = (pos + 1) | 0; // OWS
          if (pos === lim) break loop;
          this.mark = pos;
          state = S_VALUE;
          continue;
        }
        case S_VALUE_LF: {
          if (pos === lim) break loop;
          if (b[pos] !== LF) return this.fail(ParseCode.BARE_CR, pos, "CR without LF in the field section");
          pos++;
          state = S_FIELD_START;
          continue;
        }
        case S_SECTION_LF: {
          if (pos === lim) break loop;
          if (b[pos] !== LF) {
            return this.fail(ParseCode.BARE_CR, pos, "CR without LF ending the field section");
          }
          pos++;
          state = S_DONE;
          break loop;
        }
        case S_METHOD: {
          while (pos < lim && token[b[pos]] === 1) pos = (pos + 1) | 0;
          if (pos === lim) break loop;
          if (b[pos] !== SP || pos === this.headStart) {
            return this.fail(ParseCode.INVALID_METHOD, pos, `byte ${hex(b[pos])} in the method`);
          }
          this.method = methodOf(b, this.headStart, pos);
          this.targetStart = ++pos;
          state = S_TARGET;
          continue;
        }
        case S_TARGET: {
          const uriLim = this.targetStart + this.maxUri;
          const stop = lim < uriLim ? lim : uriLim;
          for (; pos < stop; pos = (pos + 1) | 0) {
            const c = b[pos];
            if (c <= 32 || c >= 127) break; // not visible ASCII (the URI table, as compares)
          }
          if (pos === lim) break loop;
          const c = b[pos];
          if (c === SP && pos > this.targetStart) {
            this.targetEnd = pos;
            this.mark = ++pos;
            state = S_VERSION;
            continue;
          }
          if (pos === uriLim) return this.fail(ParseCode.URI_TOO_LONG, pos, "request-target too long");
          if (c === CR || c === LF) {
            return this.fail(ParseCode.INVALID_REQUEST_LINE, pos, "request line without an HTTP version");
          }
          return this.fail(ParseCode.INVALID_TARGET, pos, `byte ${hex(c)} in the request-target`);
        }
        case S_VERSION: {
          // "HTTP/" DIGIT "." DIGIT, then CR: each byte is checked as it arrives.
          const m = this.mark;
          if (pos === m && lim - m > 8 && b[m + 8] === CR && isHttp1x(b, m)) {
            pos = m + 8; // the usual case, all there: one check instead of eight
          }
          while (pos < lim) {
            const i = pos - m;
            const c = b[pos];
            if (i === 8) break;
            const want = VERSION_PREFIX[i];
            if (want === 0 ? c < 48 || c > 57 : c !== want) {
              if (c === LF) return this.fail(ParseCode.BARE_LF, pos, "LF without CR in the request line");
              return this.fail(ParseCode.INVALID_VERSION, pos, "the version is not HTTP/DIGIT.DIGIT");
            }
            pos++;
          }
          if (pos === lim) break loop;
          const c = b[pos];
          if (c !== CR) {
            if (c === LF) return this.fail(ParseCode.BARE_LF, pos, "LF without CR after the request line");
            return this.fail(ParseCode.INVALID_VERSION, pos, "the version is not HTTP/DIGIT.DIGIT");
          }
          if (b[m + 5] !== 49) {
            return this.fail(
              ParseCode.VERSION_NOT_SUPPORTED,
              m + 5,
              `HTTP/${b[m + 5] - 48}.x is not supported`,
            );
          }
          this.minor = b[m + 7] === 48 ? 0 : 1;
          const bad = checkTarget(b, this.targetStart, this.targetEnd, this.method);
          if (bad !== null) return this.fail(ParseCode.INVALID_TARGET, this.targetStart, bad);
          pos++;
          state = S_LINE_LF;
          continue;
        }
        case S_LINE_LF: {
          if (pos === lim) break loop;
          if (b[pos] !== LF) {
            return this.fail(ParseCode.BARE_CR, pos, "CR without LF after the request line");
          }
          pos++;
          state = S_FIELD_START;
          continue;
        }
        default:
          break loop;
      }
    }
    this.state = state;
    return pos;
  }

  /**
   * The head `b[pos..lim)` in one pass, when it is all there and has the
   * usual shape: a token method, an origin-form target of visible ASCII,
   * `HTTP/1.x`, field lines `name: value` with CRLF. The same grammar as
   * {@link fields} (every head this accepts, `fields` accepts with the same
   * spans and flags; property tests compare the two under every chunking),
   * but straight-line code on locals: no state dispatch, no fields of `this`
   * re-read after each step, so about a third fewer instructions for a
   * small GET.
   *
   * Returns the index after the head (state `S_DONE`), -1 on a failure a
   * framing field reported (as `fields` reports it), or -2 when the head is
   * not complete here or not in the usual shape: then nothing is kept, and
   * `fields` parses it from the start, failures and all.
   */
  quick(b: Uint8Array, pos: number, lim: number): number {
    const token = TOKEN;
    let p = pos;
    while (p < lim && token[b[p]] === 1) p = (p + 1) | 0;
    if (p === pos || p >= lim || b[p] !== SP) return -2;
    // GET inline: the call is most of the request line's cost otherwise.
    const method = p - pos === 3 && b[pos] === 71 && b[pos + 1] === 69 && b[pos + 2] === 84
      ? Method.GET
      : methodOf(b, pos, p);
    if (method === Method.CONNECT) return -2; // its target is host:port
    const ts = ++p;
    const uriLim = ts + this.maxUri < lim ? ts + this.maxUri : lim;
    for (; p < uriLim; p = (p + 1) | 0) {
      const c = b[p];
      if (c <= 32 || c >= 127) break;
    }
    if (p === ts || p >= uriLim || b[p] !== SP || b[ts] !== 47 /* / */) return -2;
    const te = p++;
    if (lim - p < 10 || !isHttp1x(b, p) || b[p + 8] !== CR || b[p + 9] !== LF) return -2;
    const minor = b[p + 7] === 48 ? 0 : 1;
    p += 10;
    const maxHeaders = this.maxHeaders;
    let count = 0;
    let view: DataView | undefined;
    for (;;) {
      if (p >= lim) break;
      const ns = p;
      while (p < lim && token[b[p]] === 1) p = (p + 1) | 0;
      if (p === ns) {
        if (b[p] !== CR || p + 1 >= lim || b[p + 1] !== LF) break;
        this.method = method;
        this.minor = minor;
        this.targetStart = ts;
        this.targetEnd = te;
        this.count = count;
        this.state = S_DONE;
        return p + 2;
      }
      if (p >= lim || b[p] !== COLON || count === maxHeaders) break;
      const ne = p++;
      while (p < lim && (b[p] === SP || b[p] === HTAB)) p = (p + 1) | 0;
      const vs = p;
      const field = fieldOf(b, ns, ne);
      let hostOk = false;
      if (field === Field.HOST) {
        const host = HOST;
        while (p < lim && host[b[p]] === 1) p = (p + 1) | 0;
        hostOk = p < lim && b[p] === CR;
      }
      // A byte at a time for 8 bytes; a value still going after that (a
      // user agent, a cookie) goes on four bytes at a time.
      const value = FIELD_VALUE;
      const stop = lim - p > 8 ? p + 8 : lim;
      while (p < stop && value[b[p]] === 1) p = (p + 1) | 0;
      if (p === stop && p < lim) {
        view ??= new DataView(b.buffer, b.byteOffset, b.byteLength); // one per head, when needed
        p = plainWords(view, p, lim);
        while (p < lim && value[b[p]] === 1) p = (p + 1) | 0;
      }
      if (p + 1 >= lim || b[p] !== CR || b[p + 1] !== LF) break;
      let ve = p;
      while (ve > vs && (b[ve - 1] === SP || b[ve - 1] === HTAB)) ve--;
      let spans = this.spans;
      const i = count * 4;
      if (i === spans.length) spans = this.growSpans();
      spans[i] = ns;
      spans[i + 1] = ne;
      spans[i + 2] = vs;
      spans[i + 3] = ve;
      count++;
      if (field !== Field.OTHER) {
        this.nameStart = ns;
        if (!this.framingField(field, b, vs, ve, hostOk)) return -1;
      }
      p += 2;
    }
    this.clear();
    return -2;
  }

  /** Doubles the span list (up to the field line limit); returns the new one. */
  growSpans(): Int32Array {
    const spans = this.spans;
    const grown = new Int32Array(Math.min(spans.length * 2, this.maxHeaders * 4));
    grown.set(spans);
    return (this.spans = grown);
  }

  /** Records the field line whose value ends at `cr`, and reads it if it steers framing. */
  addField(b: Uint8Array, cr: number, hostOk: boolean): boolean {
    const vs = this.mark;
    let ve = cr;
    while (ve > vs && (b[ve - 1] === SP || b[ve - 1] === HTAB)) ve--;
    let spans = this.spans;
    const i = this.count * 4;
    if (i === spans.length) spans = this.growSpans();
    spans[i] = this.nameStart;
    spans[i + 1] = this.nameEnd;
    spans[i + 2] = vs;
    spans[i + 3] = ve;
    this.count++;
    const field = this.field;
    if (field === Field.OTHER) return true;
    this.field = Field.OTHER;
    return this.framingField(field, b, vs, ve, hostOk);
  }

  /** Reads a field that steers framing or connection reuse (rare: not on the inline path). */
  framingField(field: number, b: Uint8Array, vs: number, ve: number, hostOk: boolean): boolean {
    const f = this.flags;
    switch (field) {
      case Field.HOST:
        if (f & HeadFlag.HAS_HOST) {
          return this.failBool(ParseCode.DUPLICATE_HOST, this.nameStart, "more than one Host");
        }
        if (!hostOk && !isValidHost(b, vs, ve)) {
          return this.failBool(ParseCode.INVALID_HOST, vs, "Host is not uri-host[:port]");
        }
        this.flags = f | HeadFlag.HAS_HOST;
        this.hostStart = vs;
        this.hostEnd = ve;
        return true;
      case Field.CONTENT_LENGTH: {
        if (f & HeadFlag.HAS_CONTENT_LENGTH) {
          return this.failBool(
            ParseCode.DUPLICATE_CONTENT_LENGTH,
            this.nameStart,
            "more than one Content-Length",
          );
        }
        if (f & HeadFlag.HAS_TRANSFER_ENCODING) {
          return this.failBool(
            ParseCode.CL_AND_TE,
            this.nameStart,
            "Content-Length with Transfer-Encoding",
          );
        }
        const n = contentLengthOf(b, vs, ve);
        if (n < 0) {
          return this.failBool(ParseCode.INVALID_CONTENT_LENGTH, vs, "Content-Length is not 1*DIGIT");
        }
        if (n > this.maxBody) {
          return this.failBool(ParseCode.BODY_TOO_LARGE, vs, `Content-Length over ${this.maxBody}`);
        }
        this.contentLength = n;
        this.flags = f | HeadFlag.HAS_CONTENT_LENGTH;
        return true;
      }
      case Field.TRANSFER_ENCODING: {
        if (f & HeadFlag.HAS_CONTENT_LENGTH) {
          return this.failBool(
            ParseCode.CL_AND_TE,
            this.nameStart,
            "Transfer-Encoding with Content-Length",
          );
        }
        // Combine the lines in order (RFC 9110 §5.3): the last listed coding wins TE_LAST_CHUNKED.
        const bits = transferEncodingOf(b, vs, ve);
        let te = this.te;
        if (bits & TE_ANY) te = (te & ~TE_LAST_CHUNKED) | (bits & TE_LAST_CHUNKED);
        if (bits & TE_CHUNKED && te & (TE_CHUNKED | TE_CHUNKED_TWICE)) te |= TE_CHUNKED_TWICE;
        te |= bits & (TE_ANY | TE_CHUNKED | TE_CHUNKED_TWICE | TE_UNKNOWN) |
          (bits & TE_ANY ? 0 : TE_MALFORMED) |
          (bits & TE_MALFORMED);
        this.te = te;
        this.flags = f | HeadFlag.HAS_TRANSFER_ENCODING;
        return true;
      }
      case Field.CONNECTION: {
        const c = connectionOf(b, vs, ve);
        this.flags = f | (c & CONN_CLOSE ? HeadFlag.CONN_CLOSE : 0) |
          (c & CONN_KEEP_ALIVE ? HeadFlag.CONN_KEEP_ALIVE : 0) |
          (c & CONN_UPGRADE ? HeadFlag.CONN_UPGRADE : 0);
        return true;
      }
      case Field.EXPECT:
        this.flags = f | HeadFlag.HAS_EXPECT | (isContinue(b, vs, ve) ? HeadFlag.EXPECT_CONTINUE : 0);
        return true;
      case Field.UPGRADE:
        this.flags = f | HeadFlag.HAS_UPGRADE;
        return true;
    }
    return true;
  }

  /** The head is complete at `r` in `b`: decide framing and reuse (RFC 9112 §6.3, §9.3). */
  done(b: Uint8Array, r: number): boolean {
    const at = r - 1;
    let f = this.flags;
    const http11 = this.minor === 1;
    if (http11 && !(f & HeadFlag.HAS_HOST)) {
      return this.failBool(ParseCode.MISSING_HOST, at, "HTTP/1.1 request without Host");
    }
    if (f & HeadFlag.HAS_TRANSFER_ENCODING) {
      const te = this.te;
      if (!http11) {
        return this.failBool(ParseCode.TE_IN_HTTP10, at, "Transfer-Encoding in an HTTP/1.0 request");
      }
      if (te & TE_MALFORMED) {
        return this.failBool(ParseCode.INVALID_TRANSFER_ENCODING, at, "malformed Transfer-Encoding");
      }
      if (te & TE_CHUNKED_TWICE) {
        return this.failBool(ParseCode.INVALID_TRANSFER_ENCODING, at, "chunked applied twice");
      }
      if (!(te & TE_LAST_CHUNKED)) {
        return this.failBool(ParseCode.TE_NOT_CHUNKED, at, "the final transfer coding is not chunked");
      }
      if (te & TE_UNKNOWN) return this.failBool(ParseCode.TE_UNSUPPORTED, at, "unsupported transfer coding");
      f |= HeadFlag.CHUNKED;
    }
    if (
      http11
        ? !(f & HeadFlag.CONN_CLOSE)
        : (f & (HeadFlag.CONN_KEEP_ALIVE | HeadFlag.CONN_CLOSE)) === HeadFlag.CONN_KEEP_ALIVE
    ) {
      f |= HeadFlag.KEEP_ALIVE;
    }
    if (this.method === Method.CONNECT) {
      // After CONNECT the stream is a tunnel, not HTTP: stop parsing (RFC 9110 §9.3.6).
      f = (f & ~HeadFlag.KEEP_ALIVE) | HeadFlag.UPGRADE;
    } else if (
      http11 &&
      (f & (HeadFlag.CONN_UPGRADE | HeadFlag.HAS_UPGRADE)) === (HeadFlag.CONN_UPGRADE | HeadFlag.HAS_UPGRADE)
    ) {
      f |= HeadFlag.UPGRADE;
    }
    if (!http11) f &= ~HeadFlag.EXPECT_CONTINUE; // RFC 9110 §10.1.1: ignored in HTTP/1.0.
    this.flags = f;
    this.headBuf = b;
    this.hb = null;
    return true;
  }

  /** Records a failure at index `i` of the buffer the grammar runs on; returns -1. */
  fail(code: ParseCode, i: number, reason: string): number {
    this.errCode = code;
    this.errPos = this.posBase + i;
    this.errReason = reason;
    this.hb = null;
    return -1;
  }

  failBool(code: ParseCode, i: number, reason: string): boolean {
    this.fail(code, i, reason);
    return false;
  }
}

/** The high bit of each byte of a word, as an int32. */
const HIGH_BITS = 0x80808080 | 0;

/**
 * The index after the whole 4-byte words from `p` on (before `lim`) in
 * which every byte is SP, VCHAR or obs-text — field-value bytes other than
 * HTAB. Per word, bit tricks on one 32-bit read: `(x - 0x20202020) & ~x`
 * has a byte's high bit set when that byte is below 0x20 (HTAB, CR, LF,
 * controls), and the same test on `x ^ 0x7f7f7f7f` against 0x01 finds DEL.
 * A word with any of them stops the scan before it: the byte loop decides.
 * `v` views the bytes the grammar runs on, index for index.
 */
function plainWords(v: DataView, p: number, lim: number): number {
  const last = lim - 4;
  while (p <= last) {
    const x = v.getInt32(p, true);
    const y = x ^ 0x7f7f7f7f;
    if (((((x - 0x20202020) | 0) & ~x) | (((y - 0x01010101) | 0) & ~y)) & HIGH_BITS) break;
    p = (p + 4) | 0;
  }
  return p;
}

/** True when `b[m..m+8)` is `HTTP/1.` DIGIT. */
function isHttp1x(b: Uint8Array, m: number): boolean {
  return b[m] === 72 && b[m + 1] === 84 && b[m + 2] === 84 && b[m + 3] === 80 && b[m + 4] === 47 &&
    b[m + 5] === 49 && b[m + 6] === 46 && b[m + 7] >= 48 && b[m + 7] <= 57;
}

function hex(c: number): string {
  return `0x${c.toString(16).padStart(2, "0")}`;
}
