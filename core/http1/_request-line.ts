/**
 * Checks on the request line that run once per request, after its bytes
 * have passed the byte tables: the version pattern and the form of the
 * request-target (RFC 9112 §3.2).
 *
 * @module
 */

import * as methods from "./methods.ts";
import * as tokens from "./tokens.ts";

// Module-level copies of the imported tables and constants: V8 reads an
// imported binding through its module cell, with a TDZ check, at every use in
// a loop; a module-level const it folds into the compiled code (see parser.ts).
const { Method } = methods;
type Method = methods.Method;
const { HOST } = tokens;

/** `HTTP/` DIGIT `.` DIGIT, with 0 where a digit goes. */
export const VERSION_PREFIX: Uint8Array = new Uint8Array([72, 84, 84, 80, 47, 0, 46, 0]);

const SLASH = 47;
const STAR = 42;
const COLON = 58;

/**
 * Why `b[s..e)` is not a request-target for `method`, or `null` when it is
 * one: origin-form (`/path?q`), absolute-form (`scheme:…`), authority-form
 * (`host:port`, CONNECT only) or asterisk-form (`*`, OPTIONS only).
 */
export function checkTarget(b: Uint8Array, s: number, e: number, method: Method): string | null {
  const c = b[s];
  if (method === Method.CONNECT) {
    // authority-form = uri-host ":" port (RFC 9112 §3.2.3)
    let colon = -1;
    for (let i = s; i < e; i++) {
      if (HOST[b[i]] === 0) return "CONNECT target is not host:port";
      if (b[i] === COLON) colon = i;
    }
    if (colon < 0) return "CONNECT target has no port";
    for (let i = colon + 1; i < e; i++) if (b[i] < 48 || b[i] > 57) return "CONNECT target has a bad port";
    return null;
  }
  if (c === SLASH) return null;
  if (c === STAR) {
    return e - s === 1 && method === Method.OPTIONS ? null : "asterisk-form is only for OPTIONS *";
  }
  // absolute-form: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":"
  if (!isAlpha(c)) return "request-target is not in origin, absolute, authority or asterisk form";
  for (let i = s + 1; i < e; i++) {
    const d = b[i];
    if (d === COLON) return null;
    if (!isAlpha(d) && !(d >= 48 && d <= 57) && d !== 43 && d !== 45 && d !== 46) break;
  }
  return "request-target is not in origin, absolute, authority or asterisk form";
}

function isAlpha(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}
