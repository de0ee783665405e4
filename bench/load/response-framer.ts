/**
 * Finds where HTTP/1.1 responses begin and end in a connection's byte stream,
 * so the load generator can count responses, statuses and bytes. Not a full
 * parser: it reads the status code and the three headers that decide framing
 * (Content-Length, Transfer-Encoding, Connection) and skips everything else.
 *
 * Invariants:
 * - **BF1 any-split**: the responses reported are the same however the stream
 *   is split into chunks.
 * - **BF2 framing**: a body is delimited by Content-Length, or by chunked
 *   coding (sizes, extensions and trailers skipped), or by the end of the
 *   stream when neither is present; 1xx, 204 and 304 have no body, and 1xx
 *   responses are interim (not counted).
 * - **BF3 bad-input**: bytes that cannot be framed put the framer in a failed
 *   state (`feed` returns `false`) and it reports nothing more.
 *
 * @module
 */

/** Told of every complete final response. */
export interface ResponseSink {
  /** A response completed; `close` when it said `Connection: close`. */
  response(status: number, close: boolean): void;
}

// States.
const HEAD = 0;
const BODY = 1; // Content-Length bytes left in #left
const CHUNK_SIZE = 2; // reading a chunk-size line
const CHUNK_DATA = 3; // #left chunk bytes to skip
const CHUNK_CRLF = 4; // the CRLF after chunk data; #left bytes of it to skip
const TRAILER = 5; // trailer lines until an empty one
const UNTIL_EOF = 6;
const FAILED = 7;

const CR = 13;
const LF = 10;
/** A head longer than this is not a response this bench talks to. */
const MAX_HEAD = 64 * 1024;

/** Frames responses on one connection; call `feed` with each chunk read. */
export class ResponseFramer {
  #state = HEAD;
  #carry: Uint8Array | undefined;
  #left = 0;
  #status = 0;
  #close = false;
  #size = 0; // chunk size being read
  #sizeDigits = 0;
  #inExt = false;
  #lineLen = 0; // length of the trailer line being read
  /** Body bytes seen (payload only, not chunk framing). */
  bodyBytes = 0;

  /** Whether a response is partly received. */
  get midResponse(): boolean {
    return this.#state !== HEAD || this.#carry !== undefined;
  }

  /** Whether the framer met bytes it cannot frame (BF3). */
  get failed(): boolean {
    return this.#state === FAILED;
  }

  /** Consumes one chunk; returns `false` once the stream cannot be framed. */
  feed(bytes: Uint8Array, sink: ResponseSink): boolean {
    let buf = bytes;
    if (this.#carry !== undefined) {
      buf = concat2(this.#carry, bytes);
      this.#carry = undefined;
    }
    let i = 0;
    const end = buf.length;
    while (i < end) {
      switch (this.#state) {
        case HEAD: {
          const stop = this.#parseHead(buf, i, end);
          if (stop === -2) return this.#fail();
          if (stop === -1) {
            if (end - i > MAX_HEAD) return this.#fail();
            this.#carry = buf.subarray(i);
            return true;
          }
          i = stop;
          if (this.#state === HEAD) this.#done(sink);
          break;
        }
        case BODY: {
          const n = Math.min(this.#left, end - i);
          this.#left -= n;
          this.bodyBytes += n;
          i += n;
          if (this.#left === 0) this.#done(sink);
          break;
        }
        case CHUNK_SIZE: {
          const b = buf[i++];
          if (b === LF) {
            if (this.#sizeDigits === 0) return this.#fail();
            if (this.#size === 0) {
              this.#state = TRAILER;
              this.#lineLen = 0;
            } else {
              this.#left = this.#size;
              this.#state = CHUNK_DATA;
            }
          } else if (b === CR || this.#inExt) {
            // CR before LF, or extension bytes: skipped
          } else if (b === 0x3b /* ; */) {
            this.#inExt = true;
          } else {
            const d = hexDigit(b);
            if (d < 0 || this.#sizeDigits >= 12) return this.#fail();
            this.#size = this.#size * 16 + d;
            this.#sizeDigits++;
          }
          break;
        }
        case CHUNK_DATA: {
          const n = Math.min(this.#left, end - i);
          this.#left -= n;
          this.bodyBytes += n;
          i += n;
          if (this.#left === 0) {
            this.#state = CHUNK_CRLF;
            this.#left = 2;
          }
          break;
        }
        case CHUNK_CRLF: {
          const b = buf[i++];
          if (b !== (this.#left === 2 ? CR : LF)) return this.#fail();
          if (--this.#left === 0) this.#startChunk();
          break;
        }
        case TRAILER: {
          const b = buf[i++];
          if (b === LF) {
            if (this.#lineLen === 0) this.#done(sink);
            else this.#lineLen = 0;
          } else if (b !== CR) {
            this.#lineLen++;
          }
          break;
        }
        case UNTIL_EOF:
          this.bodyBytes += end - i;
          i = end;
          break;
        default:
          return false;
      }
    }
    return true;
  }

  /** The stream ended; completes a response delimited by EOF. */
  finish(sink: ResponseSink): void {
    if (this.#state === UNTIL_EOF) this.#done(sink);
  }

  #startChunk(): void {
    this.#state = CHUNK_SIZE;
    this.#size = 0;
    this.#sizeDigits = 0;
    this.#inExt = false;
  }

  #done(sink: ResponseSink): void {
    const status = this.#status;
    const close = this.#close;
    this.#state = HEAD;
    // 1xx are interim: the final response follows on the same request.
    if (status >= 200) sink.response(status, close);
  }

  #fail(): false {
    this.#state = FAILED;
    this.#carry = undefined;
    return false;
  }

  /**
   * Reads the status and framing headers of the head that starts at `start`,
   * in one forward pass. Returns the index past its final CRLFCRLF, −1 when
   * the head is incomplete, −2 when it is not a response head. Plain loops,
   * not `indexOf`: on Node, `Buffer#indexOf` is a native call whose overhead
   * outweighs scanning the ~150 bytes of a typical head.
   */
  #parseHead(buf: Uint8Array, start: number, end: number): number {
    // "HTTP/1.x SSS"
    if (end - start < 16) return end - start > 0 && buf[start] !== 0x48 ? -2 : -1;
    if (buf[start] !== 0x48 || buf[start + 4] !== 0x2f || buf[start + 8] !== 0x20) return -2;
    const s0 = buf[start + 9] - 48, s1 = buf[start + 10] - 48, s2 = buf[start + 11] - 48;
    if (s0 < 1 || s0 > 5 || s1 < 0 || s1 > 9 || s2 < 0 || s2 > 9) return -2;
    let i = start + 12;
    while (i < end && buf[i] !== LF) i++;
    let close = false;
    let length = -1;
    let chunked = false;
    for (;;) {
      const line = ++i; // first byte of the next line
      while (i < end && buf[i] !== LF) i++;
      if (i >= end) return -1;
      let eol = i; // the LF; the line is [line, eol) without its CR
      if (eol > line && buf[eol - 1] === CR) eol--;
      if (eol === line) break; // the empty line: end of head
      const first = buf[line] | 0x20;
      // Only three names matter, and they start with c or t.
      if (first === 0x63 || first === 0x74) {
        let colon = line;
        while (colon < eol && buf[colon] !== 0x3a) colon++;
        const name = colon - line;
        if (name === 14 && matches(buf, line, "content-length")) {
          length = parseDecimal(buf, colon + 1, eol);
          if (length < 0) return -2;
        } else if (name === 17 && matches(buf, line, "transfer-encoding")) {
          chunked = lastToken(buf, colon + 1, eol, "chunked");
        } else if (name === 10 && matches(buf, line, "connection")) {
          close = hasToken(buf, colon + 1, eol, "close");
        }
      }
    }
    const st = s0 * 100 + s1 * 10 + s2;
    this.#status = st;
    this.#close = close;
    if (st < 200 || st === 204 || st === 304) {
      this.#state = HEAD;
    } else if (chunked) {
      this.#startChunk();
    } else if (length >= 0) {
      this.#left = length;
      this.#state = length === 0 ? HEAD : BODY;
    } else {
      this.#state = UNTIL_EOF;
    }
    return i + 1;
  }
}

/** Case-insensitive compare of `buf[at…]` with lowercase ASCII `name`. */
function matches(buf: Uint8Array, at: number, name: string): boolean {
  for (let k = 0; k < name.length; k++) {
    if ((buf[at + k] | 0x20) !== name.charCodeAt(k)) return false;
  }
  return true;
}

function parseDecimal(buf: Uint8Array, from: number, to: number): number {
  let v = 0;
  let digits = 0;
  for (let i = from; i < to; i++) {
    const b = buf[i];
    if (b >= 48 && b <= 57) {
      if (++digits > 15) return -1;
      v = v * 10 + (b - 48);
    } else if (b !== 0x20 && b !== 0x09) return -1;
  }
  return digits === 0 ? -1 : v;
}

function isSeparator(b: number): boolean {
  return b === 0x20 || b === 0x09 || b === 0x2c;
}

/** Whether the comma list `buf[from, to)` holds `token` (lowercase), case-insensitively. */
function hasToken(buf: Uint8Array, from: number, to: number, token: string): boolean {
  const n = token.length;
  for (let i = from; i + n <= to; i++) {
    if ((i === from || isSeparator(buf[i - 1])) && matches(buf, i, token)) {
      if (i + n === to || isSeparator(buf[i + n])) return true;
    }
  }
  return false;
}

/** Whether the comma list `buf[from, to)` ends with `token` (the final coding). */
function lastToken(buf: Uint8Array, from: number, to: number, token: string): boolean {
  let end = to;
  while (end > from && (buf[end - 1] === 0x20 || buf[end - 1] === 0x09)) end--;
  const at = end - token.length;
  return at >= from && matches(buf, at, token) && (at === from || isSeparator(buf[at - 1]));
}

function hexDigit(b: number): number {
  if (b >= 48 && b <= 57) return b - 48;
  const l = b | 0x20;
  if (l >= 97 && l <= 102) return l - 87;
  return -1;
}

function concat2(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
