/**
 * Readers for the values of the fields that decide framing and connection
 * reuse: Content-Length, Transfer-Encoding, Connection, Host. Each works on
 * a span of the head, allocates nothing and returns a number or bit set, so
 * the parser's caller never sees a half-understood field.
 *
 * @module
 */

import * as tokens from "./tokens.ts";

// Module-level copies of the imported tables and constants: V8 reads an
// imported binding through its module cell, with a TDZ check, at every use in
// a loop; a module-level const it folds into the compiled code (see parser.ts).
const { ascii, COMMA, DQUOTE, equalsLower, HOST, HTAB, QDTEXT, QUOTED_PAIR, SEMI, SP, TOKEN } = tokens;

const BACKSLASH = 92;
const EQUALS = 61;

/**
 * The value of a Content-Length field `b[s..e)` (already trimmed of OWS):
 * 1*DIGIT, or -1. Strict on purpose (RFC 9112 §6.3 rule 5): a list such as
 * `5, 5`, a sign, inner whitespace or an empty value is invalid, because two
 * parsers that repair it differently disagree on where the body ends. Values
 * beyond 2^53 come back as `Infinity` (over any body limit).
 */
export function contentLengthOf(b: Uint8Array, s: number, e: number): number {
  if (s === e) return -1;
  let n = 0;
  for (let i = s; i < e; i++) {
    const d = b[i] - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n > Number.MAX_SAFE_INTEGER ? Infinity : n;
}

/** At least one coding is listed. */
export const TE_ANY = 1;
/** The last coding listed is chunked. */
export const TE_LAST_CHUNKED = 2;
/** chunked is listed once. */
export const TE_CHUNKED = 4;
/** chunked is listed twice or more. */
export const TE_CHUNKED_TWICE = 8;
/** A coding other than chunked is listed. */
export const TE_UNKNOWN = 16;
/** The list does not parse, or chunked has parameters. */
export const TE_MALFORMED = 32;

const L_CHUNKED = ascii("chunked");

/**
 * Reads one Transfer-Encoding field value `b[s..e)` as a list of
 * transfer-codings (RFC 9112 §6.1, §7): `token *( OWS ";" OWS param )`,
 * comma-separated, with empty elements ignored (RFC 9110 §5.6.1). Returns
 * `TE_*` bits; the parser combines the lines of one request in order.
 */
export function transferEncodingOf(b: Uint8Array, s: number, e: number): number {
  let bits = 0;
  let i = s;
  while (i < e) {
    while (i < e && (b[i] === SP || b[i] === HTAB)) i++;
    if (i === e) break;
    if (b[i] === COMMA) {
      i++;
      continue;
    }
    const t = i;
    while (i < e && TOKEN[b[i]] === 1) i++;
    if (i === t) return bits | TE_MALFORMED;
    const chunked = equalsLower(b, t, i, L_CHUNKED);
    bits |= TE_ANY;
    if (chunked) {
      bits |= bits & (TE_CHUNKED | TE_CHUNKED_TWICE) ? TE_CHUNKED_TWICE : TE_CHUNKED;
      bits |= TE_LAST_CHUNKED;
    } else {
      bits = (bits | TE_UNKNOWN) & ~TE_LAST_CHUNKED;
    }
    while (i < e && (b[i] === SP || b[i] === HTAB)) i++;
    if (i < e && b[i] === SEMI) {
      // chunked takes no parameters (RFC 9112 §7); someone adding one is
      // probing for a parser that ignores it.
      if (chunked) return bits | TE_MALFORMED;
      i = skipParameters(b, i, e);
      if (i < 0) return bits | TE_MALFORMED;
    }
    if (i < e && b[i] !== COMMA) return bits | TE_MALFORMED;
  }
  return bits;
}

/**
 * Skips `*( OWS ";" OWS token BWS "=" BWS ( token / quoted-string ) ) OWS`
 * from `b[i] === ";"`; returns the index after it, or -1.
 */
function skipParameters(b: Uint8Array, i: number, e: number): number {
  while (i < e && b[i] === SEMI) {
    i = skipWs(b, i + 1, e);
    const t = i;
    while (i < e && TOKEN[b[i]] === 1) i++;
    if (i === t) return -1;
    i = skipWs(b, i, e);
    if (i === e || b[i] !== EQUALS) return -1;
    i = skipWs(b, i + 1, e);
    if (i < e && b[i] === DQUOTE) {
      i++;
      for (;;) {
        if (i === e) return -1;
        const c = b[i];
        if (c === DQUOTE) break;
        if (c === BACKSLASH) {
          if (i + 1 === e || QUOTED_PAIR[b[i + 1]] === 0) return -1;
          i += 2;
        } else if (QDTEXT[c] === 1) i++;
        else return -1;
      }
      i++;
    } else {
      const v = i;
      while (i < e && TOKEN[b[i]] === 1) i++;
      if (i === v) return -1;
    }
    i = skipWs(b, i, e);
  }
  return i;
}

function skipWs(b: Uint8Array, i: number, e: number): number {
  while (i < e && (b[i] === SP || b[i] === HTAB)) i++;
  return i;
}

/** `Connection: close`. */
export const CONN_CLOSE = 1;
/** `Connection: keep-alive`. */
export const CONN_KEEP_ALIVE = 2;
/** `Connection: upgrade`. */
export const CONN_UPGRADE = 4;

const L_CLOSE = ascii("close");
const L_KEEP_ALIVE = ascii("keep-alive");
const L_UPGRADE = ascii("upgrade");

/**
 * The connection options in a Connection value `b[s..e)` that the server
 * acts on, as `CONN_*` bits (RFC 9110 §7.6.1: a list of case-insensitive
 * tokens). Other options are ignored: they do not change framing.
 */
export function connectionOf(b: Uint8Array, s: number, e: number): number {
  let bits = 0;
  let i = s;
  while (i < e) {
    i = skipWs(b, i, e);
    const t = i;
    while (i < e && b[i] !== COMMA) i++;
    let u = i;
    while (u > t && (b[u - 1] === SP || b[u - 1] === HTAB)) u--;
    switch (u - t) {
      case 5:
        if (equalsLower(b, t, u, L_CLOSE)) bits |= CONN_CLOSE;
        break;
      case 7:
        if (equalsLower(b, t, u, L_UPGRADE)) bits |= CONN_UPGRADE;
        break;
      case 10:
        if (equalsLower(b, t, u, L_KEEP_ALIVE)) bits |= CONN_KEEP_ALIVE;
        break;
    }
    i++;
  }
  return bits;
}

const L_100_CONTINUE = ascii("100-continue");

/** True when an Expect value `b[s..e)` is `100-continue` (case-insensitive, RFC 9110 §10.1.1). */
export function isContinue(b: Uint8Array, s: number, e: number): boolean {
  return equalsLower(b, s, e, L_100_CONTINUE);
}

/**
 * True when a Host value `b[s..e)` is made of the bytes of
 * `uri-host [ ":" port ]` (RFC 9112 §3.2). An empty value is valid (a
 * target without an authority). This checks the alphabet, which is what
 * keeps a Host from smuggling a path or a second authority; the URL parser
 * of the consumer checks the structure.
 */
export function isValidHost(b: Uint8Array, s: number, e: number): boolean {
  const host = HOST;
  for (let i = s; i < e; i++) {
    if (host[b[i]] === 0) return false;
  }
  return true;
}
