/**
 * The RESP2 request parser of `resp-kv`: a resumable state machine in the
 * shape of llhttp. {@link RespParser.execute} takes a chunk and a start
 * offset and returns a code; the parser keeps everything it needs between
 * chunks, so any split works — inside a length's digits, between `\r` and
 * `\n`, inside a bulk payload — and nothing is parsed twice.
 *
 * Invariants:
 * - **RP1 split-free**: feeding a byte stream in any chunking yields the same
 *   commands and the same error, at the same command boundary.
 * - **RP2 zero-copy**: a bulk argument that arrives whole in one chunk is a
 *   view into that chunk; only arguments split across chunks (and inline
 *   lines split across chunks) are copied, each byte once.
 * - **RP3 bounded**: a command holds at most `maxCommandBytes` (its arguments
 *   plus {@link ARG_OVERHEAD} per argument, or its partial inline line); a
 *   bulk is at most `maxBulkBytes`, an inline line at most `maxInlineBytes`.
 *   Past a limit the parser fails, and stays failed: framing is lost.
 *
 * Error messages are Redis's own (`networking.c`), so clients see the same
 * text as from a Redis server.
 *
 * @module
 */

import { splitInline } from "./_inline.ts";

/** `execute` consumed the whole chunk; more bytes are needed. */
export const NEED_MORE = 0;
/** A command is ready in `args`; resume at `offset`. */
export const COMMAND = 1;
/** The stream is not RESP; `error` says why. The parser stays failed. */
export const ERROR = 2;

/** Per-argument bookkeeping cost counted against `maxCommandBytes` (a view object and its slot). */
export const ARG_OVERHEAD = 64;

/** The parser's limits. */
export interface ParserLimits {
  /** Largest bulk argument. Default 512 MiB (Redis's `proto-max-bulk-len`). */
  maxBulkBytes?: number;
  /** Longest inline command line. Default 64 KiB (Redis's `PROTO_INLINE_MAX_SIZE`). */
  maxInlineBytes?: number;
  /** Most arguments in one multibulk command. Default 1,048,576. */
  maxArgs?: number;
  /** Most bytes one command may hold while it arrives (RP3). Default 64 MiB. */
  maxCommandBytes?: number;
}

const MiB = 1024 * 1024;

// States. A command starts at START; '*' leads to a multibulk, anything else
// is an inline line.
const START = 0;
const INLINE = 1;
const MB_LEN = 2; // digits of *N
const MB_LF = 3; // the \n after *N\r
const DOLLAR = 4; // the '$' of the next bulk
const BULK_LEN = 5; // digits of $N
const BULK_LF = 6; // the \n after $N\r
const BULK_DATA = 7; // N payload bytes
const BULK_CR = 8; // the \r after the payload
const BULK_CRLF = 9; // the \n after the payload
const FAILED = 10;

const CR = 13;
const LF = 10;

/** A resumable RESP2 request parser; one per connection. */
export class RespParser {
  /** The arguments of the command `execute` just returned. */
  args: Uint8Array[] = [];
  /** Where to resume in the chunk after `COMMAND`. */
  offset = 0;
  /** Why the stream was rejected, after `ERROR` (Redis's wording, without `ERR `). */
  error = "";

  #state = START;
  #num = 0;
  #digits = 0;
  #neg = false;
  #left = 0;
  #held = 0; // bytes this command holds (RP3)
  #bulkLen = 0;
  #arg: Uint8Array | undefined; // the payload, once read whole
  #bulk: Uint8Array | undefined; // a payload being assembled across chunks
  #bulkAt = 0;
  #line: Uint8Array | undefined; // an inline line being assembled across chunks
  #lineLen = 0;
  readonly #maxBulk: number;
  readonly #maxInline: number;
  readonly #maxArgs: number;
  readonly #maxCommand: number;

  constructor(limits: ParserLimits = {}) {
    this.#maxBulk = limits.maxBulkBytes ?? 512 * MiB;
    this.#maxInline = limits.maxInlineBytes ?? 64 * 1024;
    this.#maxArgs = limits.maxArgs ?? 1024 * 1024;
    this.#maxCommand = limits.maxCommandBytes ?? 64 * MiB;
  }

  /** Bytes the command in progress holds (RP3). */
  get held(): number {
    return this.#held + this.#lineLen + this.#bulkAt;
  }

  /**
   * Parses `buf` from `pos`. Returns {@link COMMAND} with `args` and `offset`
   * set, {@link NEED_MORE} when `buf` is used up, or {@link ERROR}.
   */
  execute(buf: Uint8Array, pos: number): number {
    const end = buf.length;
    let s = this.#state;
    if (s === FAILED) return ERROR;
    while (pos < end) {
      const c = buf[pos];
      switch (s) {
        case START:
          if (c === 42 /* * */) {
            // Most commands arrive whole: read them in one tight pass.
            const next = this.#whole(buf, pos, end);
            if (next > 0) return this.#ready(next);
            s = MB_LEN;
            this.#num = 0;
            this.#digits = 0;
            this.#neg = false;
            pos++;
          } else {
            s = INLINE;
          }
          break;
        case INLINE: {
          const r = this.#inline(buf, pos, end);
          if (r === -1) return this.#fail("too big inline request");
          if (r === -2) return this.#fail("unbalanced quotes in request");
          if (r === end + 1) return this.#saved(INLINE); // no newline yet
          pos = r;
          s = START;
          if (this.args.length > 0) return this.#ready(pos);
          break; // an empty line is skipped, as Redis does
        }
        case MB_LEN:
        case BULK_LEN: {
          const mb = s === MB_LEN;
          if (c >= 48 && c <= 57) {
            // No leading zeros (Redis's string2ll rejects them).
            if (this.#digits === 1 && this.#num === 0) return this.#badLength(mb);
            this.#num = this.#num * 10 + (c - 48);
            this.#digits++;
            if (this.#num > (mb ? this.#maxArgs : this.#maxBulk)) return this.#badLength(mb);
          } else if (c === 45 /* - */ && mb && this.#digits === 0 && !this.#neg) {
            this.#neg = true;
          } else if (c === CR && this.#digits > 0) {
            s = mb ? MB_LF : BULK_LF;
          } else {
            return this.#badLength(mb);
          }
          pos++;
          break;
        }
        case MB_LF:
          if (c !== LF) return this.#badLength(true);
          pos++;
          if (this.#neg || this.#num === 0) {
            s = START; // *0 and *-1 are ignored, as Redis does
          } else {
            this.#left = this.#num;
            this.args = [];
            this.#held = 0;
            s = DOLLAR;
          }
          break;
        case DOLLAR:
          if (c !== 36 /* $ */) {
            const shown = c === CR || c === LF ? " " : String.fromCharCode(c);
            return this.#fail(`expected '$', got '${shown}'`);
          }
          this.#num = 0;
          this.#digits = 0;
          s = BULK_LEN;
          pos++;
          break;
        case BULK_LF:
          if (c !== LF) return this.#badLength(false);
          pos++;
          this.#bulkLen = this.#num;
          if (this.#held + this.#bulkLen + ARG_OVERHEAD > this.#maxCommand) return this.#tooBig();
          s = BULK_DATA;
          break;
        case BULK_DATA: {
          const len = this.#bulkLen;
          if (this.#bulk === undefined && end - pos >= len) {
            // RP2: the whole payload is here; hand out a view.
            this.#arg = buf.subarray(pos, pos + len);
            pos += len;
            s = BULK_CR;
            break;
          }
          const into = (this.#bulk ??= new Uint8Array(len));
          const n = Math.min(end - pos, len - this.#bulkAt);
          into.set(buf.subarray(pos, pos + n), this.#bulkAt);
          this.#bulkAt += n;
          pos += n;
          if (this.#bulkAt === len) {
            this.#arg = into;
            this.#bulk = undefined;
            this.#bulkAt = 0;
            s = BULK_CR;
          }
          break;
        }
        case BULK_CR:
          if (c !== CR) return this.#fail("expected '\\r\\n' after bulk data");
          s = BULK_CRLF;
          pos++;
          break;
        case BULK_CRLF: {
          if (c !== LF) return this.#fail("expected '\\r\\n' after bulk data");
          pos++;
          const arg = this.#arg!;
          this.#arg = undefined;
          this.args.push(arg);
          this.#held += arg.byteLength + ARG_OVERHEAD;
          if (--this.#left === 0) {
            s = START;
            return this.#ready(pos);
          }
          s = DOLLAR;
          break;
        }
      }
    }
    return this.#saved(s);
  }

  /**
   * The fast path: reads a multibulk command that lies whole in `buf` from
   * `pos` (at its `*`) in one pass, and returns the offset after it. Returns
   * -1 for anything else — incomplete, over a limit, or malformed — and the
   * byte-wise state machine then reads the same bytes, with the same result
   * (RP1) and Redis's exact error.
   */
  #whole(buf: Uint8Array, pos: number, end: number): number {
    let i = pos + 1;
    let c = buf[i];
    if (i >= end || c < 49 || c > 57) return -1; // no leading zero, no '-'
    let n = c - 48;
    while (++i < end && (c = buf[i]) >= 48 && c <= 57) n = n * 10 + c - 48;
    if (i + 1 >= end || c !== CR || buf[i + 1] !== LF || n > this.#maxArgs) return -1;
    i += 2;
    const args: Uint8Array[] = [];
    let held = 0;
    for (let k = 0; k < n; k++) {
      if (i + 1 >= end || buf[i] !== 36 /* $ */) return -1;
      c = buf[++i];
      let len = c - 48;
      if (c === 48) {
        c = buf[++i];
      } else if (c >= 49 && c <= 57) {
        while (++i < end && (c = buf[i]) >= 48 && c <= 57) len = len * 10 + c - 48;
      } else return -1;
      if (i + 1 >= end || c !== CR || buf[i + 1] !== LF || len > this.#maxBulk) return -1;
      i += 2;
      held += len + ARG_OVERHEAD;
      if (held > this.#maxCommand || i + len + 2 > end || buf[i + len] !== CR || buf[i + len + 1] !== LF) {
        return -1;
      }
      args.push(buf.subarray(i, i + len));
      i += len + 2;
    }
    this.args = args;
    return i;
  }

  #ready(pos: number): number {
    this.#state = START;
    this.#held = 0;
    this.offset = pos;
    return COMMAND;
  }

  #saved(s: number): number {
    this.#state = s;
    this.offset = -1;
    return NEED_MORE;
  }

  /**
   * Reads an inline line from `pos`. Returns the offset after its `\n` (with
   * `args` set), `end + 1` when the line goes on in the next chunk, -1 when it
   * is too long, -2 when its quotes do not balance.
   */
  #inline(buf: Uint8Array, pos: number, end: number): number {
    const nl = buf.indexOf(LF, pos);
    const stop = nl < 0 ? end : nl;
    let line: Uint8Array;
    if (this.#lineLen === 0 && nl >= 0) {
      line = buf.subarray(pos, nl);
    } else {
      const len = this.#lineLen + (stop - pos);
      // +1: a trailing \r is not part of the line, and may be all that is over.
      if (len > this.#maxInline + 1) return -1;
      let into = this.#line;
      if (into === undefined || into.length < len) {
        const grown = new Uint8Array(
          Math.min(Math.max(len, 2 * (into?.length ?? 0), 256), this.#maxInline + 1),
        );
        if (into !== undefined) grown.set(into.subarray(0, this.#lineLen));
        into = this.#line = grown;
      }
      into.set(buf.subarray(pos, stop), this.#lineLen);
      this.#lineLen = len;
      if (nl < 0) return end + 1;
      line = into.slice(0, len); // a copy: the assembly buffer is reused
      this.#line = undefined;
      this.#lineLen = 0;
    }
    if (line.length > 0 && line[line.length - 1] === CR) line = line.subarray(0, line.length - 1);
    if (line.length > this.#maxInline) return -1;
    const args = splitInline(line);
    if (args === undefined) return -2;
    this.args = args;
    return nl + 1;
  }

  #badLength(mb: boolean): number {
    return this.#fail(mb ? "invalid multibulk length" : "invalid bulk length");
  }

  #tooBig(): number {
    return this.#fail(`command larger than ${this.#maxCommand} bytes`);
  }

  #fail(why: string): number {
    this.#state = FAILED;
    this.error = `Protocol error: ${why}`;
    this.args = [];
    this.#bulk = undefined;
    this.#line = undefined;
    this.#held = 0;
    this.#lineLen = 0;
    this.#bulkAt = 0;
    return ERROR;
  }
}
