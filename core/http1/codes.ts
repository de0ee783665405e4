/**
 * What {@link Http1Parser.execute} returns, and the table that maps every
 * parse failure to the HTTP status to answer and the {@link TriloopError}
 * code to report.
 *
 * Codes are small integers so the hot path compares numbers; {@link codeName}
 * turns one back into its name for logs and tests.
 *
 * @module
 */

import { type ErrorCode, TriloopError } from "../errors.ts";

/**
 * Results of `execute`: `OK`, `PAUSED` and `CLOSED` are not failures; every
 * other code is, and `parser.error` then says why and where.
 */
export const ParseCode = {
  /** Every byte was consumed; feed more when it arrives. */
  OK: 0,
  /** A callback called `pause()`; `parser.offset` is where to resume. */
  PAUSED: 1,
  /**
   * The last message ended the connection (`Connection: close`, HTTP/1.0
   * without keep-alive, CONNECT); bytes from `parser.offset` on are not HTTP
   * and must be ignored (RFC 9112 §9.6).
   */
  CLOSED: 2,

  // ---- failures (each one closes the connection) --------------------------
  /** The request line is not `method SP target SP version CRLF`. */
  INVALID_REQUEST_LINE: 10,
  /** A byte in the method is not a token character (RFC 9110 §9.1). */
  INVALID_METHOD: 11,
  /** A byte in the request-target is not allowed, or its form is wrong. */
  INVALID_TARGET: 12,
  /** The request-target is longer than `maxUriBytes`. */
  URI_TOO_LONG: 13,
  /** The version is not `HTTP/DIGIT.DIGIT` (RFC 9112 §2.3). */
  INVALID_VERSION: 14,
  /** The major version is not 1. */
  VERSION_NOT_SUPPORTED: 15,
  /** A CR not followed by LF. */
  BARE_CR: 16,
  /** A LF not preceded by CR, as a line terminator (RFC 9112 §2.2). */
  BARE_LF: 17,
  /** A byte in a field name is not a token character, or a line has no colon. */
  INVALID_FIELD_NAME: 18,
  /** Whitespace between a field name and its colon (RFC 9112 §5.1). */
  SPACE_BEFORE_COLON: 19,
  /** A field line starts with SP or HTAB: obs-fold, or whitespace after the request line. */
  OBS_FOLD: 20,
  /** A control byte (other than HTAB) in a field value (RFC 9110 §5.5). */
  INVALID_FIELD_VALUE: 21,
  /** The header section (or the trailer section) is longer than `maxHeaderBytes`. */
  HEADER_OVERFLOW: 22,
  /** More field lines than `maxHeaders`. */
  TOO_MANY_HEADERS: 23,
  /** An HTTP/1.1 request without Host (RFC 9112 §3.2). */
  MISSING_HOST: 24,
  /** More than one Host field line (RFC 9112 §3.2). */
  DUPLICATE_HOST: 25,
  /** A Host value that is not `uri-host [ ":" port ]`. */
  INVALID_HOST: 26,
  /** A Content-Length that is not 1*DIGIT (lists such as `5, 5` included). */
  INVALID_CONTENT_LENGTH: 27,
  /** Content-Length given more than once, even with the same value. */
  DUPLICATE_CONTENT_LENGTH: 28,
  /** Content-Length and Transfer-Encoding together (RFC 9112 §6.3, rule 3). */
  CL_AND_TE: 29,
  /** Transfer-Encoding whose final coding is not chunked (RFC 9112 §6.3, rule 4). */
  TE_NOT_CHUNKED: 30,
  /** A transfer coding other than chunked, before a final chunked (RFC 9112 §6.1). */
  TE_UNSUPPORTED: 31,
  /** A malformed Transfer-Encoding list, parameters on chunked, or chunked twice. */
  INVALID_TRANSFER_ENCODING: 32,
  /** Transfer-Encoding in an HTTP/1.0 request (RFC 9112 §6.1). */
  TE_IN_HTTP10: 33,
  /** A chunk size that is empty or not hexadecimal. */
  INVALID_CHUNK_SIZE: 34,
  /** A chunk extension that does not follow RFC 9112 §7.1.1. */
  INVALID_CHUNK_EXT: 35,
  /** A chunk-size line longer than `maxChunkLineBytes` (CVE-2024-22019's class). */
  CHUNK_LINE_TOO_LONG: 36,
  /** Chunk data not followed by CRLF. */
  INVALID_CHUNK_END: 37,
  /** The body (declared or received) is larger than `maxBodyBytes`. */
  BODY_TOO_LARGE: 38,
  /** The stream ended inside a message (from `finish()`). */
  UNEXPECTED_EOF: 39,
} as const;

/** One of the {@link ParseCode} values. */
export type ParseCode = (typeof ParseCode)[keyof typeof ParseCode];

/** The first failure code: `code >= FIRST_ERROR` means `execute` failed. */
export const FIRST_ERROR = 10;

const NAMES: string[] = [];
for (const [name, code] of Object.entries(ParseCode)) NAMES[code] = name;

/**
 * The HTTP status to answer each failure with (then close). A table, not a
 * switch, so the mapping is reviewed in one place.
 */
const STATUS: Record<number, number> = {
  [ParseCode.URI_TOO_LONG]: 414,
  [ParseCode.VERSION_NOT_SUPPORTED]: 505,
  [ParseCode.HEADER_OVERFLOW]: 431,
  [ParseCode.TOO_MANY_HEADERS]: 431,
  [ParseCode.TE_UNSUPPORTED]: 501,
  [ParseCode.CHUNK_LINE_TOO_LONG]: 413,
  [ParseCode.BODY_TOO_LARGE]: 413,
};

/**
 * The stable {@link TriloopError} code of each status a request is refused
 * with, by either engine: what `stats().errors` counts it as.
 */
export const STATUS_ERROR_CODES: Readonly<Record<number, ErrorCode>> = {
  400: "TRI_ERR_HTTP_PARSE",
  408: "TRI_ERR_HTTP_TIMEOUT",
  413: "TRI_ERR_HTTP_BODY_TOO_LARGE",
  414: "TRI_ERR_HTTP_URI_TOO_LONG",
  431: "TRI_ERR_HTTP_HEADER_OVERFLOW",
  501: "TRI_ERR_HTTP_NOT_IMPLEMENTED",
  505: "TRI_ERR_HTTP_VERSION",
};

/** The name of a {@link ParseCode}, e.g. `"CL_AND_TE"`. */
export function codeName(code: number): string {
  return NAMES[code] ?? `UNKNOWN_${code}`;
}

/** The HTTP status that answers a failure code: 400 unless the table says otherwise. */
export function statusOf(code: number): number {
  return code < FIRST_ERROR ? 0 : STATUS[code] ?? 400;
}

/**
 * Why a request could not be parsed: a stable {@link TriloopError} code for
 * the class of failure (`TRI_ERR_HTTP_PARSE` for 400s, one code per other
 * status), the exact parser code, the status to answer, a reason and the
 * byte position in the connection's stream.
 *
 * @example Answering a parse failure
 * ```ts
 * import { HttpParseError, ParseCode } from "./codes.ts";
 * const err = new HttpParseError(ParseCode.CL_AND_TE, "Content-Length with Transfer-Encoding", 42);
 * const head = `HTTP/1.1 ${err.status} Bad Request\r\nConnection: close\r\n\r\n`;
 * ```
 */
export class HttpParseError extends TriloopError {
  /** The {@link ParseCode} of the failure. */
  readonly parseCode: ParseCode;
  /** The HTTP status to answer with: 400, 413, 414, 431, 501 or 505. */
  readonly status: number;
  /** What was wrong, for people. */
  readonly reason: string;
  /** Offset of the offending byte in the connection's byte stream (0 = first byte ever fed). */
  readonly pos: number;

  constructor(parseCode: ParseCode, reason: string, pos: number) {
    const status = statusOf(parseCode);
    super(
      STATUS_ERROR_CODES[status] ?? "TRI_ERR_HTTP_PARSE",
      `${reason} (${codeName(parseCode)} at byte ${pos})`,
    );
    this.name = "HttpParseError";
    this.parseCode = parseCode;
    this.status = status;
    this.reason = reason;
    this.pos = pos;
  }

  /** The name of {@link parseCode}, e.g. `"BARE_LF"`. */
  get codeName(): string {
    return codeName(this.parseCode);
  }
}
