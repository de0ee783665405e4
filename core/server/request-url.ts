/**
 * The URL a handler's `Request` reports: the target URI reconstructed as
 * RFC 9112 §3.3 says, serialized as the WHATWG URL standard does — the same
 * string on every runtime.
 *
 * The runtimes' own `URL` parsers disagree on edge cases (whether `^` in a
 * path is percent-encoded, whether dot segments are removed at all), so the
 * kernel does not hand the target to them: the request-target's bytes are
 * already limited to visible ASCII by the parser, and for that alphabet the
 * standard's path, query and fragment states are short. A target in the
 * usual shape is returned as it came; only one with a dot segment or a byte
 * the standard percent-encodes takes the slow path.
 *
 * Invariants (tested in tests/fetch/request-url.test.ts):
 * - U1 the result parses as a URL, and serializing that URL gives it back;
 * - U2 origin-form: `http://` (`https://` over TLS) + the Host, + the target normalized;
 * - U3 absolute-form: the target's own authority wins over Host (RFC 9112 §3.2.2);
 *   only `http` and `https` are accepted, and never with userinfo (RFC 9110 §4.2.4);
 * - U4 authority-form (CONNECT): `http://host:port/`; asterisk-form: the origin + `/*`;
 * - U5 a target or Host that cannot make a URL gives `null` (the server answers 400).
 *
 * @module
 */

const SLASH = 47;
const BACKSLASH = 92;
const QUESTION = 63;
const HASH = 35;
const DOT = 46;
const PERCENT = 37;

/** Bytes each part percent-encodes, within visible ASCII (WHATWG URL §1.3). */
const PATH_SET = new Set([...'"#<>?^`{}'].map((c) => c.charCodeAt(0)));
const QUERY_SET = new Set([..."\"#<>'"].map((c) => c.charCodeAt(0)));
const FRAGMENT_SET = new Set([...'"<>`'].map((c) => c.charCodeAt(0)));

/**
 * Whether `target` (origin-form) serializes to itself: no dot segment, no
 * backslash, nothing the standard would percent-encode, no fragment.
 */
function plain(target: string): boolean {
  let query = false;
  for (let i = 1; i < target.length; i++) {
    const c = target.charCodeAt(i);
    if (query) {
      if (QUERY_SET.has(c)) return false;
      continue;
    }
    if (c === QUESTION) query = true;
    else if (PATH_SET.has(c) || c === BACKSLASH) return false;
    else if (target.charCodeAt(i - 1) === SLASH) {
      // A segment that starts with "." or "%2e" may be a dot segment.
      if (c === DOT) return false;
      if (c === PERCENT && target.charCodeAt(i + 1) === 50 && (target.charCodeAt(i + 2) | 0x20) === 101) {
        return false;
      }
    }
  }
  return true;
}

function encode(part: string, set: Set<number>): string {
  let out = "";
  let from = 0;
  for (let i = 0; i < part.length; i++) {
    const c = part.charCodeAt(i);
    if (set.has(c)) {
      out += part.slice(from, i) + "%" + c.toString(16).toUpperCase().padStart(2, "0");
      from = i + 1;
    }
  }
  return from === 0 ? part : out + part.slice(from);
}

function dots(segment: string): 0 | 1 | 2 {
  if (segment.length > 6) return 0;
  const s = segment.toLowerCase();
  if (s === "." || s === "%2e") return 1;
  if (s === ".." || s === ".%2e" || s === "%2e." || s === "%2e%2e") return 2;
  return 0;
}

/**
 * A path-absolute target (`/…`, or empty) with its query and fragment, as
 * the URL standard's path, query and fragment states leave it for a special
 * scheme.
 */
export function normalizePath(target: string): string {
  if (target.length > 0 && plain(target)) return target;
  let fragment: string | null = null;
  let rest = target;
  const hash = rest.indexOf("#");
  if (hash >= 0) {
    fragment = rest.slice(hash + 1);
    rest = rest.slice(0, hash);
  }
  let query: string | null = null;
  const q = rest.indexOf("?");
  if (q >= 0) {
    query = rest.slice(q + 1);
    rest = rest.slice(0, q);
  }
  const out: string[] = [];
  // A special scheme's path always starts with a slash; "\" is one too.
  const segments = rest.length === 0 ? [""] : rest.slice(1).split(/[/\\]/);
  for (let i = 0; i < segments.length; i++) {
    const last = i === segments.length - 1;
    const kind = dots(segments[i]);
    if (kind === 2) {
      out.pop();
      if (last) out.push("");
    } else if (kind === 1) {
      if (last) out.push("");
    } else out.push(encode(segments[i], PATH_SET));
  }
  let url = "/" + out.join("/");
  if (query !== null) url += "?" + encode(query, QUERY_SET);
  if (fragment !== null) url += "#" + encode(fragment, FRAGMENT_SET);
  return url;
}

const NAME = /^(?:[a-z0-9-]+\.)*[a-z-][a-z0-9-]*$/;
const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
const PORT = /^[1-9]\d{0,4}$/;

/**
 * `host[:port]` as a URL's host serializes (lowercase, no default port), or
 * `null` when it is not a valid host. A lowercase name or dotted-quad with
 * a plain port is returned as it came; anything else (IPv6, numeric forms,
 * uppercase) goes through the runtime's URL parser.
 */
export function normalizeAuthority(authority: string, defaultPort: string): string | null {
  let host = authority;
  let port = "";
  const colon = authority.lastIndexOf(":");
  if (colon >= 0 && authority.indexOf("]", colon) < 0) {
    host = authority.slice(0, colon);
    port = authority.slice(colon + 1);
  }
  if ((NAME.test(host) || IPV4.test(host)) && (port === "" || PORT.test(port))) {
    if (port === "") return host;
    if (Number(port) > 65535) return null;
    return port === defaultPort ? host : authority;
  }
  if (host.length === 0) return null;
  try {
    const scheme = defaultPort === "443" ? "https" : "http";
    const url = new URL(`${scheme}://${authority}/`);
    // Only a host and port: anything else (a path, userinfo) was not an authority.
    if (url.username !== "" || url.password !== "" || url.pathname !== "/") return null;
    return url.host;
  } catch {
    return null;
  }
}

/**
 * The URL of a request with `target` received with Host `host` (or the
 * server's own address when the request has none), over TLS when `secure`.
 * `null` when they make no URL (U5).
 */
export function requestUrl(target: string, host: string, method: string, secure = false): string | null {
  const c = target.charCodeAt(0);
  const origin = secure ? "https://" : "http://";
  const port = secure ? "443" : "80";
  if (c === SLASH) {
    const authority = normalizeAuthority(host, port);
    return authority === null ? null : `${origin}${authority}${normalizePath(target)}`;
  }
  if (target === "*") {
    const authority = normalizeAuthority(host, port);
    return authority === null ? null : `${origin}${authority}/*`;
  }
  if (method === "CONNECT") {
    const authority = normalizeAuthority(target, "");
    return authority === null ? null : `${origin}${authority}/`;
  }
  return absoluteUrl(target);
}

/** An absolute-form target (U3). */
function absoluteUrl(target: string): string | null {
  const colon = target.indexOf(":");
  const scheme = target.slice(0, colon).toLowerCase();
  if ((scheme !== "http" && scheme !== "https") || !target.startsWith("//", colon + 1)) return null;
  let end = colon + 3;
  while (end < target.length) {
    const ch = target.charCodeAt(end);
    if (ch === SLASH || ch === BACKSLASH || ch === QUESTION || ch === HASH) break;
    end++;
  }
  const authority = target.slice(colon + 3, end);
  if (authority.includes("@")) return null;
  const host = normalizeAuthority(authority.toLowerCase(), scheme === "http" ? "80" : "443");
  if (host === null) return null;
  const rest = target.slice(end);
  const c0 = rest.charCodeAt(0);
  return `${scheme}://${host}${normalizePath(c0 === SLASH || c0 === BACKSLASH ? rest : "/" + rest)}`;
}
