/**
 * Byte classes of RFC 9110/9112 as 256-entry tables, so the parser checks a
 * byte with one indexed load instead of a chain of comparisons, and byte
 * constants by name.
 *
 * @module
 */

/** Carriage return. */
export const CR = 13;
/** Line feed. */
export const LF = 10;
/** Space. */
export const SP = 32;
/** Horizontal tab. */
export const HTAB = 9;
/** `:` */
export const COLON = 58;
/** `;` */
export const SEMI = 59;
/** `,` */
export const COMMA = 44;
/** `=` */
export const EQUALS = 61;
/** `"` */
export const DQUOTE = 34;
/** `\` */
export const BACKSLASH = 92;

function table(test: (c: number) => boolean): Uint8Array {
  const t = new Uint8Array(256);
  for (let c = 0; c < 256; c++) t[c] = test(c) ? 1 : 0;
  return t;
}

function isAlpha(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** tchar (RFC 9110 §5.6.2): the bytes of methods, field names and coding names. */
export const TOKEN: Uint8Array = table((c) =>
  isAlpha(c) || isDigit(c) || "!#$%&'*+-.^_`|~".includes(String.fromCharCode(c))
);

/**
 * Bytes allowed inside a field value (RFC 9110 §5.5): field-vchar, SP and
 * HTAB. obs-text (0x80–0xFF) is allowed, as the grammar says; every other
 * control byte, DEL included, is not.
 */
export const FIELD_VALUE: Uint8Array = table((c) => c === HTAB || (c >= 0x20 && c !== 0x7f));

/**
 * Bytes allowed in a request-target: visible ASCII (0x21–0x7E). Stricter
 * than "any non-space" (no control bytes, no raw UTF-8, which would let two
 * parsers split a line differently) and looser than RFC 3986, whose excluded
 * `"<>\^`{|}` real clients send unescaped; they cannot change framing.
 */
export const URI: Uint8Array = table((c) => c > 0x20 && c < 0x7f);

/**
 * Bytes of a Host value (RFC 9112 §3.2, RFC 3986 §3.2.2): unreserved,
 * sub-delims, pct-encoded, `:` for the port and `[` `]` for IP literals.
 */
export const HOST: Uint8Array = table((c) =>
  isAlpha(c) || isDigit(c) || "-._~!$&'()*+,;=%:[]".includes(String.fromCharCode(c))
);

/** qdtext of a quoted-string (RFC 9110 §5.6.4). */
export const QDTEXT: Uint8Array = table((c) =>
  c === HTAB || c === SP || c === 0x21 || (c >= 0x23 && c <= 0x5b) || (c >= 0x5d && c <= 0x7e) || c >= 0x80
);

/** The second byte of a quoted-pair: HTAB, SP, VCHAR or obs-text. */
export const QUOTED_PAIR: Uint8Array = table((c) => c === HTAB || (c >= 0x20 && c !== 0x7f));

/** Hex digit values; -1 for any other byte. */
export const HEX: Int8Array = (() => {
  const t = new Int8Array(256).fill(-1);
  for (let c = 0; c < 256; c++) {
    if (isDigit(c)) t[c] = c - 48;
    else if (c >= 65 && c <= 70) t[c] = c - 55;
    else if (c >= 97 && c <= 102) t[c] = c - 87;
  }
  return t;
})();

/** ASCII lower-casing of a byte (other bytes map to themselves). */
export const LOWER: Uint8Array = (() => {
  const t = new Uint8Array(256);
  for (let c = 0; c < 256; c++) t[c] = c >= 65 && c <= 90 ? c + 32 : c;
  return t;
})();

/** Bytes of an ASCII string (the literals this module compares against). */
export function ascii(s: string): Uint8Array {
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i);
  return b;
}

/** True when `b[s..e)` equals the lower-case ASCII literal `lit`, ignoring ASCII case. */
export function equalsLower(b: Uint8Array, s: number, e: number, lit: Uint8Array): boolean {
  if (e - s !== lit.length) return false;
  for (let i = 0; i < lit.length; i = (i + 1) | 0) {
    if (LOWER[b[s + i]] !== lit[i]) return false;
  }
  return true;
}

/** Scratch for {@link latin1}: reused, so decoding allocates only the string. */
const scratch: number[] = [];

/**
 * Bytes `b[s..e)` as a string, one char per byte (latin1). Field values are
 * byte strings (RFC 9110 §5.5); this keeps obs-text bytes as U+0080–U+00FF,
 * as `Headers` expects. Not `TextDecoder("latin1")`: WHATWG maps that label
 * to windows-1252, which rewrites 0x80–0x9F (and it is the slowest way for
 * short strings).
 */
export function latin1(b: Uint8Array, s: number, e: number): string {
  const n = e - s;
  if (n <= 0) return "";
  if (n <= 8) {
    let r = "";
    for (let i = s; i < e; i++) r += String.fromCharCode(b[i]);
    return r;
  }
  // fromCharCode.apply on a reused plain array: faster than a char loop for a
  // typical target or value, and no typed-array view to allocate.
  let r = "";
  for (let i = s; i < e; i += 8192) {
    const j = i + 8192 < e ? i + 8192 : e;
    scratch.length = j - i;
    for (let k = i; k < j; k++) scratch[k - i] = b[k];
    r += String.fromCharCode.apply(null, scratch);
  }
  return r;
}

/** Spans up to this long are remembered by a {@link Latin1Memo}. */
const MEMO_MAX = 128;

/**
 * {@link latin1} that gives back the same string when the bytes are the
 * same as last time: a server sees the same Host and often the same target
 * request after request, and comparing a few bytes costs less than making
 * the string (and a repeated string object lets later comparisons and
 * concatenations hit their own caches by identity).
 */
export class Latin1Memo {
  #bytes = new Uint8Array(MEMO_MAX);
  #len = -1;
  #str = "";

  decode(b: Uint8Array, s: number, e: number): string {
    const n = e - s;
    if (n === this.#len) {
      const m = this.#bytes;
      let i = 0;
      while (i < n && m[i] === b[s + i]) i = (i + 1) | 0;
      if (i === n) return this.#str;
    }
    const str = latin1(b, s, e);
    if (n <= MEMO_MAX) {
      this.#bytes.set(b.subarray(s, e));
      this.#len = n;
      this.#str = str;
    }
    return str;
  }
}
