/**
 * Field names: which ones steer framing (the parser must look at their
 * values), and interned lower-case strings for the common ones, so turning a
 * header list into `Headers` allocates no string for `host`, `accept`, ….
 *
 * @module
 */

import * as tokens from "./tokens.ts";

// Module-level copies of the imported tables and constants: V8 reads an
// imported binding through its module cell, with a TDZ check, at every use in
// a loop; a module-level const it folds into the compiled code (see parser.ts).
const { ascii, equalsLower, LOWER } = tokens;

/** The fields whose values the parser reads while parsing. */
export const Field = {
  OTHER: 0,
  HOST: 1,
  CONTENT_LENGTH: 2,
  TRANSFER_ENCODING: 3,
  CONNECTION: 4,
  EXPECT: 5,
  UPGRADE: 6,
} as const;

/** One of the {@link Field} numbers. */
export type Field = (typeof Field)[keyof typeof Field];

const L_HOST = ascii("host");
const L_EXPECT = ascii("expect");
const L_UPGRADE = ascii("upgrade");
const L_CONNECTION = ascii("connection");
const L_CONTENT_LENGTH = ascii("content-length");
const L_TRANSFER_ENCODING = ascii("transfer-encoding");

/**
 * The {@link Field} of the name `b[s..e)`, case-insensitively. Called once
 * per field line: a switch on length rejects nearly every other name
 * without reading a byte.
 */
export function fieldOf(b: Uint8Array, s: number, e: number): Field {
  switch (e - s) {
    case 4:
      return equalsLower(b, s, e, L_HOST) ? Field.HOST : Field.OTHER;
    case 6:
      return equalsLower(b, s, e, L_EXPECT) ? Field.EXPECT : Field.OTHER;
    case 7:
      return equalsLower(b, s, e, L_UPGRADE) ? Field.UPGRADE : Field.OTHER;
    case 10:
      return equalsLower(b, s, e, L_CONNECTION) ? Field.CONNECTION : Field.OTHER;
    case 14:
      return equalsLower(b, s, e, L_CONTENT_LENGTH) ? Field.CONTENT_LENGTH : Field.OTHER;
    case 17:
      return equalsLower(b, s, e, L_TRANSFER_ENCODING) ? Field.TRANSFER_ENCODING : Field.OTHER;
    default:
      return Field.OTHER;
  }
}

/** Request field names seen on nearly every request from browsers, curl, fetch and load tools. */
const COMMON = [
  "host",
  "user-agent",
  "accept",
  "accept-encoding",
  "accept-language",
  "accept-charset",
  "connection",
  "keep-alive",
  "content-type",
  "content-length",
  "content-encoding",
  "transfer-encoding",
  "te",
  "trailer",
  "expect",
  "upgrade",
  "cookie",
  "referer",
  "origin",
  "authorization",
  "cache-control",
  "pragma",
  "range",
  "if-match",
  "if-none-match",
  "if-modified-since",
  "if-unmodified-since",
  "if-range",
  "dnt",
  "priority",
  "upgrade-insecure-requests",
  "sec-fetch-site",
  "sec-fetch-mode",
  "sec-fetch-dest",
  "sec-fetch-user",
  "sec-ch-ua",
  "sec-ch-ua-mobile",
  "sec-ch-ua-platform",
  "sec-websocket-key",
  "sec-websocket-version",
  "sec-websocket-extensions",
  "sec-websocket-protocol",
  "x-forwarded-for",
  "x-forwarded-proto",
  "x-forwarded-host",
  "x-real-ip",
  "x-request-id",
  "forwarded",
  "via",
];

/** Interned names bucketed by length: [bytes, string, bytes, string, …]. */
const BY_LENGTH: (Uint8Array | string)[][] = [];
for (const name of COMMON) {
  (BY_LENGTH[name.length] ??= []).push(ascii(name), name);
}

/**
 * The lower-case name `b[s..e)` (a token, so ASCII). Common names come back
 * interned, with no allocation; others are built once per call.
 */
export function lowerName(b: Uint8Array, s: number, e: number): string {
  const bucket = BY_LENGTH[e - s];
  if (bucket !== undefined) {
    for (let i = 0; i < bucket.length; i += 2) {
      if (equalsLower(b, s, e, bucket[i] as Uint8Array)) return bucket[i + 1] as string;
    }
  }
  let r = "";
  for (let i = s; i < e; i++) r += String.fromCharCode(LOWER[b[i]]);
  return r;
}
