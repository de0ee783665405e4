/**
 * A parsed request head as spans over bytes, and the {@link RequestHead}
 * snapshot a consumer keeps after the parser has moved on. Strings are made
 * only when asked for: a router that reads `target` and `method` pays for
 * one string, not for every header.
 *
 * @module
 */

import { lowerName } from "./field-names.ts";
import { Method, METHOD_NAMES } from "./methods.ts";
import { latin1, Latin1Memo, LOWER } from "./tokens.ts";

/** Facts about a request head, as bits of `flags`. */
export const HeadFlag = {
  /** The connection stays open after this request (RFC 9112 §9.3). */
  KEEP_ALIVE: 1,
  /** The body is chunked. */
  CHUNKED: 2,
  /** `Expect: 100-continue` in an HTTP/1.1 request (RFC 9110 §10.1.1). */
  EXPECT_CONTINUE: 4,
  /** The client asks to switch protocols (`Connection: upgrade` plus `Upgrade`), or the method is CONNECT. */
  UPGRADE: 8,
  /** `Connection: close` was sent. */
  CONN_CLOSE: 16,
  /** `Connection: keep-alive` was sent. */
  CONN_KEEP_ALIVE: 32,
  /** `Connection: upgrade` was sent. */
  CONN_UPGRADE: 64,
  /** A Host field was sent. */
  HAS_HOST: 128,
  /** A Content-Length field was sent. */
  HAS_CONTENT_LENGTH: 256,
  /** A Transfer-Encoding field was sent. */
  HAS_TRANSFER_ENCODING: 512,
  /** An Upgrade field was sent. */
  HAS_UPGRADE: 1024,
  /** An Expect field was sent (with any value). */
  HAS_EXPECT: 2048,
} as const;

/** The spans of the request line and Host a {@link RequestHead} copies from its source. */
type Spans = "methodStart" | "methodEnd" | "targetStart" | "targetEnd" | "hostStart" | "hostEnd";

/** What a {@link RequestHead} is built from (an {@link Http1Parser} after `onHeaders`). */
export interface HeadSource
  extends Pick<RequestHead, Spans | "method" | "versionMinor" | "flags" | "contentLength"> {
  /** The bytes every span indexes. */
  readonly head: Uint8Array;
  /** `[nameStart, nameEnd, valueStart, valueEnd]` per field line, in order; the first `headerCount * 4` count. */
  readonly spans: Int32Array;
  readonly headerCount: number;
}

/** The last target and Host decoded in this loop (see {@link Latin1Memo}). */
const targetMemo = new Latin1Memo();
const hostMemo = new Latin1Memo();

/**
 * One request head, detached from the parser: it keeps working after the
 * parser has gone on to the next request. It holds the head's bytes by
 * reference — the caller's chunk, which the kernel never rewrites (S3), or a
 * buffer the parser gave up when the head completed — and a copy of the
 * field offsets, so taking one costs one small array copy.
 *
 * @example Reading a head in `onHeaders`
 * ```ts
 * import { Http1Parser } from "./parser.ts";
 * const parser = new Http1Parser({
 *   onHeaders(p) {
 *     const head = p.requestHead();
 *     console.log(head.methodName, head.target, head.get("user-agent"));
 *   },
 *   onMessageComplete() {},
 * });
 * const req = new TextEncoder().encode("GET /a HTTP/1.1\r\nHost: x\r\nUser-Agent: t\r\n\r\n");
 * parser.execute(req, 0, req.length);
 * ```
 */
export class RequestHead {
  /** The bytes the spans index. Never written again by triloop. */
  readonly buf: Uint8Array;
  /** `[nameStart, nameEnd, valueStart, valueEnd]` per field line, in order. */
  readonly spans: readonly number[];
  /** Number of field lines. */
  readonly count: number;
  /** The method as a {@link Method} number (`OTHER` for unlisted tokens). */
  readonly method: Method;
  /** `0` for HTTP/1.0, `1` for HTTP/1.1 (a higher minor is read as 1.1, RFC 9110 §6.2). */
  readonly versionMinor: number;
  /** {@link HeadFlag} bits. */
  readonly flags: number;
  /** The declared Content-Length, or -1 when there was none. */
  readonly contentLength: number;
  readonly methodStart: number;
  readonly methodEnd: number;
  readonly targetStart: number;
  readonly targetEnd: number;
  readonly hostStart: number;
  readonly hostEnd: number;
  #target: string | undefined;

  constructor(src: HeadSource) {
    this.buf = src.head;
    this.count = src.headerCount;
    // A plain array, not Int32Array.slice: a typed array past 64 bytes lives off
    // the heap and costs several times more to make.
    const n = src.headerCount * 4;
    const from = src.spans;
    const spans = new Array<number>(n);
    for (let i = 0; i < n; i++) spans[i] = from[i];
    this.spans = spans;
    this.method = src.method;
    this.versionMinor = src.versionMinor;
    this.flags = src.flags;
    this.contentLength = src.contentLength;
    this.methodStart = src.methodStart;
    this.methodEnd = src.methodEnd;
    this.targetStart = src.targetStart;
    this.targetEnd = src.targetEnd;
    this.hostStart = src.hostStart;
    this.hostEnd = src.hostEnd;
  }

  /** The method name (interned for known methods). */
  get methodName(): string {
    return this.method !== Method.OTHER
      ? METHOD_NAMES[this.method]
      : latin1(this.buf, this.methodStart, this.methodEnd);
  }

  /** The request-target as sent, e.g. `/a?b=1` (ASCII, made once). */
  get target(): string {
    return (this.#target ??= targetMemo.decode(this.buf, this.targetStart, this.targetEnd));
  }

  /** The Host value, or `null` when there was none. */
  get host(): string | null {
    return this.hostStart < 0 ? null : hostMemo.decode(this.buf, this.hostStart, this.hostEnd);
  }

  /** True when the connection stays open after this request. */
  get keepAlive(): boolean {
    return (this.flags & HeadFlag.KEEP_ALIVE) !== 0;
  }

  /** True when a body follows (chunked, or Content-Length > 0). */
  get hasBody(): boolean {
    return (this.flags & HeadFlag.CHUNKED) !== 0 || this.contentLength > 0;
  }

  /** The lower-case name of field line `i` (interned for common names). */
  headerName(i: number): string {
    return lowerName(this.buf, this.spans[i * 4], this.spans[i * 4 + 1]);
  }

  /** The value of field line `i` (one char per byte; OWS trimmed). */
  headerValue(i: number): string {
    return latin1(this.buf, this.spans[i * 4 + 2], this.spans[i * 4 + 3]);
  }

  /** The value of `name` (case-insensitive), lines joined with `, `; `null` if absent. */
  get(name: string): string | null {
    return findField(this.buf, this.spans, this.count, name);
  }

  /** All fields as a `Headers`. Builds it on each call: keep the result. */
  headers(): Headers {
    const h = new Headers();
    for (let i = 0; i < this.count; i++) h.append(this.headerName(i), this.headerValue(i));
    return h;
  }
}

/**
 * The value of field `name` in a span list, lines joined with `, ` (RFC 9110
 * §5.3); `null` when absent. Compares bytes, so absent fields cost no string.
 */
export function findField(
  buf: Uint8Array,
  spans: ArrayLike<number>,
  count: number,
  name: string,
): string | null {
  const n = name.length;
  let out: string | null = null;
  for (let i = 0; i < count * 4; i += 4) {
    const s = spans[i];
    if (spans[i + 1] - s !== n) continue;
    let j = 0;
    for (; j < n; j++) {
      const c = name.charCodeAt(j);
      if (c > 0xff || LOWER[buf[s + j]] !== LOWER[c]) break;
    }
    if (j !== n) continue;
    const v = latin1(buf, spans[i + 2], spans[i + 3]);
    out = out === null ? v : `${out}, ${v}`;
  }
  return out;
}
