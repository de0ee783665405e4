/**
 * Request methods as small integers. Methods are few and case-sensitive
 * (RFC 9110 §9.1), so the parser matches the common ones by length and bytes
 * and a consumer compares numbers; any other token is `OTHER` and its name is
 * read from the request line when asked.
 *
 * @module
 */

/** The methods the parser knows by number; any other token is `OTHER`. */
export const Method = {
  OTHER: 0,
  GET: 1,
  HEAD: 2,
  POST: 3,
  PUT: 4,
  DELETE: 5,
  CONNECT: 6,
  OPTIONS: 7,
  TRACE: 8,
  PATCH: 9,
} as const;

/** One of the {@link Method} numbers. */
export type Method = (typeof Method)[keyof typeof Method];

/** Interned names, indexed by {@link Method} (`OTHER` has none). */
export const METHOD_NAMES: readonly string[] = [
  "",
  "GET",
  "HEAD",
  "POST",
  "PUT",
  "DELETE",
  "CONNECT",
  "OPTIONS",
  "TRACE",
  "PATCH",
];

/**
 * The {@link Method} of the token `b[s..e)`. A switch on length then direct
 * byte compares: a GET costs one length test and three loads, no string.
 */
export function methodOf(b: Uint8Array, s: number, e: number): Method {
  switch (e - s) {
    case 3:
      if (b[s + 1] === 69 && b[s + 2] === 84) { // "?ET"
        if (b[s] === 71) return Method.GET;
      } else if (b[s] === 80 && b[s + 1] === 85 && b[s + 2] === 84) return Method.PUT;
      return Method.OTHER;
    case 4:
      if (b[s] === 80 && b[s + 1] === 79 && b[s + 2] === 83 && b[s + 3] === 84) return Method.POST;
      if (b[s] === 72 && b[s + 1] === 69 && b[s + 2] === 65 && b[s + 3] === 68) return Method.HEAD;
      return Method.OTHER;
    case 5:
      return match(b, s, "PATCH") ? Method.PATCH : match(b, s, "TRACE") ? Method.TRACE : Method.OTHER;
    case 6:
      return match(b, s, "DELETE") ? Method.DELETE : Method.OTHER;
    case 7:
      return match(b, s, "OPTIONS") ? Method.OPTIONS : match(b, s, "CONNECT") ? Method.CONNECT : Method.OTHER;
    default:
      return Method.OTHER;
  }
}

function match(b: Uint8Array, s: number, name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    if (b[s + i] !== name.charCodeAt(i)) return false;
  }
  return true;
}
