/**
 * The grammar of one chunk-size line (RFC 9112 §7.1, §7.1.1), resumable at
 * any byte:
 *
 * ```
 * chunk-size [ chunk-ext ] CRLF
 * chunk-ext  = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
 * chunk-ext-val = token / quoted-string
 * ```
 *
 * Extensions are checked and skipped, never reported: nothing in triloop
 * uses them, and a loose extension grammar is a known smuggling vector
 * (a parser that stops at the first LF inside a quoted value disagrees with
 * one that does not). Whitespace after the size with no `;` is rejected.
 *
 * @module
 */

import { ParseCode } from "./codes.ts";
import * as St from "./states.ts";
import * as tokens from "./tokens.ts";

// Module-level copies of the imported constants and tables, read in the byte
// loops and case labels (why: see parser.ts).
const {
  S_CHUNK_LF,
  S_CHUNK_SIZE,
  S_CHUNK_SIZE_START,
  S_DONE,
  S_EXT_AFTER_QUOTED,
  S_EXT_BWS,
  S_EXT_NAME,
  S_EXT_NAME_BWS,
  S_EXT_NAME_START,
  S_EXT_QUOTED,
  S_EXT_QUOTED_PAIR,
  S_EXT_VALUE,
  S_EXT_VALUE_START,
} = St;
const { CR, DQUOTE, EQUALS, HEX, HTAB, LF, QDTEXT, QUOTED_PAIR, SEMI, SP, TOKEN } = tokens;

const BACKSLASH = 92;

/** The state of a chunk-size line in progress, owned by one parser. */
export interface ChunkLine {
  /** A `S_CHUNK_*` / `S_EXT_*` state, or `S_DONE` once the line is complete. */
  state: number;
  /** The size read so far. */
  size: number;
  /** After a failure: its code and index. */
  errCode: ParseCode;
  errAt: number;
}

/** A fresh {@link ChunkLine}. */
export function chunkLineState(): ChunkLine {
  return { state: S_CHUNK_SIZE_START, size: 0, errCode: ParseCode.OK, errAt: 0 };
}

/**
 * Runs the grammar on `b[pos..lim)`. Returns the index after the line's LF
 * (state `S_DONE`), `lim` when more is needed, or -1 with `errCode` and
 * `errAt` set. `room` is how many more body bytes the limit allows: a size
 * over it fails as soon as the digit that passes it arrives.
 */
export function chunkLine(st: ChunkLine, b: Uint8Array, pos: number, lim: number, room: number): number {
  let state = st.state;
  for (; pos < lim; pos++) {
    const c = b[pos];
    switch (state) {
      case S_CHUNK_SIZE_START: {
        const v = HEX[c];
        if (v < 0) return fail(st, ParseCode.INVALID_CHUNK_SIZE, pos);
        if (v > room) return fail(st, ParseCode.BODY_TOO_LARGE, pos);
        st.size = v;
        state = S_CHUNK_SIZE;
        continue;
      }
      case S_CHUNK_SIZE: {
        const v = HEX[c];
        if (v >= 0) {
          const n = st.size * 16 + v;
          if (n > room) return fail(st, ParseCode.BODY_TOO_LARGE, pos);
          st.size = n;
          continue;
        }
        if (c === CR) state = S_CHUNK_LF;
        else if (c === SEMI) state = S_EXT_NAME_START;
        else if (c === SP || c === HTAB) state = S_EXT_BWS;
        else return fail(st, c === LF ? ParseCode.BARE_LF : ParseCode.INVALID_CHUNK_SIZE, pos);
        continue;
      }
      case S_EXT_BWS:
        if (c === SEMI) state = S_EXT_NAME_START;
        else if (c !== SP && c !== HTAB) return fail(st, ParseCode.INVALID_CHUNK_EXT, pos);
        continue;
      case S_EXT_NAME_START:
        if (TOKEN[c] === 1) state = S_EXT_NAME;
        else if (c !== SP && c !== HTAB) return fail(st, ParseCode.INVALID_CHUNK_EXT, pos);
        continue;
      case S_EXT_NAME:
        if (TOKEN[c] === 1) continue;
        if (c === CR) state = S_CHUNK_LF;
        else if (c === EQUALS) state = S_EXT_VALUE_START;
        else if (c === SEMI) state = S_EXT_NAME_START;
        else if (c === SP || c === HTAB) state = S_EXT_NAME_BWS;
        else return fail(st, c === LF ? ParseCode.BARE_LF : ParseCode.INVALID_CHUNK_EXT, pos);
        continue;
      case S_EXT_NAME_BWS:
        if (c === EQUALS) state = S_EXT_VALUE_START;
        else if (c === SEMI) state = S_EXT_NAME_START;
        else if (c !== SP && c !== HTAB) return fail(st, ParseCode.INVALID_CHUNK_EXT, pos);
        continue;
      case S_EXT_VALUE_START:
        if (TOKEN[c] === 1) state = S_EXT_VALUE;
        else if (c === DQUOTE) state = S_EXT_QUOTED;
        else if (c !== SP && c !== HTAB) return fail(st, ParseCode.INVALID_CHUNK_EXT, pos);
        continue;
      case S_EXT_VALUE:
        if (TOKEN[c] === 1) continue;
        if (c === CR) state = S_CHUNK_LF;
        else if (c === SEMI) state = S_EXT_NAME_START;
        else if (c === SP || c === HTAB) state = S_EXT_BWS;
        else return fail(st, c === LF ? ParseCode.BARE_LF : ParseCode.INVALID_CHUNK_EXT, pos);
        continue;
      case S_EXT_QUOTED:
        if (c === DQUOTE) state = S_EXT_AFTER_QUOTED;
        else if (c === BACKSLASH) state = S_EXT_QUOTED_PAIR;
        else if (QDTEXT[c] === 0) return fail(st, ParseCode.INVALID_CHUNK_EXT, pos);
        continue;
      case S_EXT_QUOTED_PAIR:
        if (QUOTED_PAIR[c] === 0) return fail(st, ParseCode.INVALID_CHUNK_EXT, pos);
        state = S_EXT_QUOTED;
        continue;
      case S_EXT_AFTER_QUOTED:
        if (c === CR) state = S_CHUNK_LF;
        else if (c === SEMI) state = S_EXT_NAME_START;
        else if (c === SP || c === HTAB) state = S_EXT_BWS;
        else return fail(st, c === LF ? ParseCode.BARE_LF : ParseCode.INVALID_CHUNK_EXT, pos);
        continue;
      case S_CHUNK_LF:
        if (c !== LF) return fail(st, ParseCode.BARE_CR, pos);
        st.state = S_DONE;
        return pos + 1;
      default:
        return fail(st, ParseCode.INVALID_CHUNK_SIZE, pos);
    }
  }
  st.state = state;
  return pos;
}

function fail(st: ChunkLine, code: ParseCode, at: number): number {
  st.errCode = code;
  st.errAt = at;
  return -1;
}

/** Why a chunk-line failure happened, for `HttpParseError.reason`. */
export function chunkLineReason(code: ParseCode): string {
  switch (code) {
    case ParseCode.BODY_TOO_LARGE:
      return "chunked body over the body limit";
    case ParseCode.BARE_LF:
      return "LF without CR in a chunk-size line";
    case ParseCode.BARE_CR:
      return "CR without LF in a chunk-size line";
    case ParseCode.INVALID_CHUNK_SIZE:
      return "chunk size is not 1*HEXDIG";
    default:
      return "chunk extension does not follow RFC 9112 §7.1.1";
  }
}
