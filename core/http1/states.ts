/**
 * The parser's named states. A *phase* says which part of a message the
 * parser is in; a *state* says where it is inside the grammar of that part.
 * Both are small integers (the hot switch compares numbers); {@link stateName}
 * gives a name back for error reports and debugging.
 *
 * @module
 */

// ---- phases ---------------------------------------------------------------
/** Request line and header section (and empty lines before them). */
export const PH_HEAD = 0;
/** A Content-Length body. */
export const PH_BODY = 1;
/** A chunk-size line with its extensions. */
export const PH_CHUNK_LINE = 2;
/** Chunk data. */
export const PH_CHUNK_DATA = 3;
/** The CRLF after chunk data. */
export const PH_CHUNK_END = 4;
/** The trailer section after the last chunk. */
export const PH_TRAILERS = 5;
/** The message is complete; `onMessageComplete` runs next. */
export const PH_COMPLETE = 6;
/** A message ended the connection: nothing more is parsed. */
export const PH_CLOSED = 7;
/** A failure: nothing more is parsed. */
export const PH_ERROR = 8;

// ---- states of the head and field-section grammar ---------------------------
/** Before a request line: empty lines (CRLF) are skipped (RFC 9112 §2.2). */
export const S_START = 0;
/** After the CR of an empty line before a request line. */
export const S_START_LF = 1;
/** In the method token. */
export const S_METHOD = 2;
/** In the request-target. */
export const S_TARGET = 3;
/** In `HTTP/x.y`, checked byte by byte. */
export const S_VERSION = 4;
/** After the CR that ends the request line. */
export const S_LINE_LF = 5;
/** At the first byte of a field line, or of the empty line ending the section. */
export const S_FIELD_START = 6;
/** In a field name. */
export const S_FIELD_NAME = 7;
/** After the colon, skipping OWS. */
export const S_VALUE_START = 8;
/** In a field value. */
export const S_VALUE = 9;
/** After the CR that ends a field line. */
export const S_VALUE_LF = 10;
/** After the CR of the empty line that ends the section. */
export const S_SECTION_LF = 11;
/** The section is complete. */
export const S_DONE = 12;

// ---- states of a chunk-size line (RFC 9112 §7.1) ------------------------------
/** At the first hex digit of a chunk size. */
export const S_CHUNK_SIZE_START = 20;
/** In the hex digits of a chunk size. */
export const S_CHUNK_SIZE = 21;
/** BWS that must be followed by `;`. */
export const S_EXT_BWS = 22;
/** After `;`: BWS, then an extension name. */
export const S_EXT_NAME_START = 23;
/** In an extension name. */
export const S_EXT_NAME = 24;
/** BWS after an extension name: `=` or `;` must follow. */
export const S_EXT_NAME_BWS = 25;
/** After `=`: BWS, then a token or a quoted-string. */
export const S_EXT_VALUE_START = 26;
/** In a token extension value. */
export const S_EXT_VALUE = 27;
/** In a quoted-string extension value. */
export const S_EXT_QUOTED = 28;
/** After a backslash in a quoted-string. */
export const S_EXT_QUOTED_PAIR = 29;
/** After the closing quote of a quoted-string. */
export const S_EXT_AFTER_QUOTED = 30;
/** After the CR that ends a chunk-size line. */
export const S_CHUNK_LF = 31;
/** Expecting the CR after chunk data. */
export const S_DATA_CR = 32;
/** Expecting the LF after chunk data. */
export const S_DATA_LF = 33;

const PHASE_NAMES = [
  "HEAD",
  "BODY",
  "CHUNK_LINE",
  "CHUNK_DATA",
  "CHUNK_END",
  "TRAILERS",
  "COMPLETE",
  "CLOSED",
  "ERROR",
];

const STATE_NAMES: Record<number, string> = {
  [S_START]: "START",
  [S_START_LF]: "START_LF",
  [S_METHOD]: "METHOD",
  [S_TARGET]: "TARGET",
  [S_VERSION]: "VERSION",
  [S_LINE_LF]: "LINE_LF",
  [S_FIELD_START]: "FIELD_START",
  [S_FIELD_NAME]: "FIELD_NAME",
  [S_VALUE_START]: "VALUE_START",
  [S_VALUE]: "VALUE",
  [S_VALUE_LF]: "VALUE_LF",
  [S_SECTION_LF]: "SECTION_LF",
  [S_DONE]: "DONE",
  [S_CHUNK_SIZE_START]: "CHUNK_SIZE_START",
  [S_CHUNK_SIZE]: "CHUNK_SIZE",
  [S_EXT_BWS]: "EXT_BWS",
  [S_EXT_NAME_START]: "EXT_NAME_START",
  [S_EXT_NAME]: "EXT_NAME",
  [S_EXT_NAME_BWS]: "EXT_NAME_BWS",
  [S_EXT_VALUE_START]: "EXT_VALUE_START",
  [S_EXT_VALUE]: "EXT_VALUE",
  [S_EXT_QUOTED]: "EXT_QUOTED",
  [S_EXT_QUOTED_PAIR]: "EXT_QUOTED_PAIR",
  [S_EXT_AFTER_QUOTED]: "EXT_AFTER_QUOTED",
  [S_CHUNK_LF]: "CHUNK_LF",
  [S_DATA_CR]: "DATA_CR",
  [S_DATA_LF]: "DATA_LF",
};

/** `"PHASE/STATE"`, e.g. `"HEAD/FIELD_NAME"`. */
export function stateName(phase: number, state: number): string {
  return `${PHASE_NAMES[phase] ?? phase}/${STATE_NAMES[state] ?? state}`;
}
