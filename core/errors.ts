/**
 * The one error family of triloop. Every failure a caller may want to tell
 * apart carries a stable `code`; messages are for people and may change.
 *
 * @module
 */

/** Every stable error code triloop produces, with what it means. */
export const ErrorCodes = {
  /** A handler callback threw; the connection it belonged to was closed. */
  TRI_ERR_HANDLER_THREW: "a handler threw",
  /** Output buffered past `maxBufferedBytes`: the producer ignored backpressure. */
  TRI_ERR_OUTPUT_OVERFLOW: "buffered output passed the hard cap",
  /** No read or write for longer than the idle timeout and no `timeout` handler. */
  TRI_ERR_IDLE_TIMEOUT: "the connection was idle too long",
  /** The peer reset the connection (or the socket failed) with bytes not yet sent. */
  TRI_ERR_CONN_RESET: "the connection was reset",
  /** An outbound connection could not be established. */
  TRI_ERR_CONNECT_FAILED: "the connection could not be established",
  /** The listener could not bind its address. */
  TRI_ERR_LISTEN_FAILED: "the listener could not bind",
  /** The connection was closed by `close({ force })` on its listener or server. */
  TRI_ERR_FORCED_CLOSE: "the connection was closed by shutdown",
  /** A TLS handshake failed or timed out; only its connection was closed (TL3). */
  TRI_ERR_TLS_HANDSHAKE: "the TLS handshake failed",
  /** A certificate, key or passphrase given for TLS does not load (TL7); nothing was bound or changed. */
  TRI_ERR_TLS_CONFIG: "the TLS certificate or key cannot be used",
  /** An argument is out of its documented range. */
  TRI_ERR_INVALID_ARG: "an argument is invalid",
  /** The offload pool's queue is full. */
  TRI_ERR_POOL_FULL: "the pool queue is full",
  /** A pool task ran past its timeout; its worker was replaced. */
  TRI_ERR_POOL_TIMEOUT: "the task timed out",
  /** A pool worker crashed or exited during a task. */
  TRI_ERR_POOL_WORKER_DIED: "the worker running the task died",
  /** A pool task was cancelled by its signal. */
  TRI_ERR_POOL_ABORTED: "the task was aborted",
  /** The pool is closed. */
  TRI_ERR_POOL_CLOSED: "the pool is closed",
  /** The HTTP peer sent bytes that are not valid HTTP/1.1. */
  TRI_ERR_HTTP_PARSE: "the request is not valid HTTP/1.1",
  /** The request-target is longer than the URI limit (answered with 414). */
  TRI_ERR_HTTP_URI_TOO_LONG: "the request-target is too long",
  /** The header or trailer section is over its byte or count limit (answered with 431). */
  TRI_ERR_HTTP_HEADER_OVERFLOW: "the header section is too large",
  /** The request body, or one chunk-size line, is over its limit (answered with 413). */
  TRI_ERR_HTTP_BODY_TOO_LARGE: "the request body is too large",
  /** The request uses a transfer coding triloop does not implement (answered with 501). */
  TRI_ERR_HTTP_NOT_IMPLEMENTED: "the transfer coding is not implemented",
  /** The request's HTTP major version is not 1 (answered with 505). */
  TRI_ERR_HTTP_VERSION: "the HTTP version is not supported",
  /** The request's head or body did not arrive within its timeout (answered with 408). */
  TRI_ERR_HTTP_TIMEOUT: "the request did not arrive in time",
  /** A response body stream failed after the head went out; the connection was closed. */
  TRI_ERR_HTTP_STREAM: "the response body stream failed",
  /** A connection past `limits.maxConnections` was closed as soon as it was accepted. */
  TRI_ERR_HTTP_MAX_CONNECTIONS: "the server was at its connection limit",
  /** The loop was overloaded (watchdog shedding); the request was answered 503. */
  TRI_ERR_HTTP_OVERLOADED: "the loop was overloaded",
  /**
   * The entry module cannot be served: it does not parse, a module it imports
   * is not there, or its default export is neither a connection handler nor
   * `{ fetch }`, or it exports a bad `port` or `hostname`. The CLI exits 2.
   */
  TRI_ERR_ENTRY: "the entry module cannot be served",
  /** PROXY protocol: the peer is not in `trustedProxies`; closed before a byte was read or sent (PX1). */
  TRI_ERR_PROXY_UNTRUSTED: "the peer is not a trusted proxy",
  /** PROXY protocol: the header is malformed, of a version not configured, too long, or missing (PX5, PX7). */
  TRI_ERR_PROXY_INVALID: "the PROXY header is invalid or missing",
  /** PROXY protocol: the header did not arrive whole within `proxyTimeoutMs` (PX6). */
  TRI_ERR_PROXY_TIMEOUT: "the PROXY header did not arrive in time",
  /** The first loop of a supervisor failed before any loop was ready (LP6); `cause` is its error. */
  TRI_ERR_LOOP_START: "the first loop could not start",
} as const;

/** A stable triloop error code. */
export type ErrorCode = keyof typeof ErrorCodes;

/**
 * An error with a stable `code`. Use `err.code`, never the message, to tell
 * failures apart.
 *
 * @example Telling an overflow from a reset
 * ```ts
 * import { TriloopError } from "./errors.ts";
 * function describe(err?: TriloopError): string {
 *   return err?.code === "TRI_ERR_OUTPUT_OVERFLOW" ? "slow peer" : "closed";
 * }
 * describe(new TriloopError("TRI_ERR_OUTPUT_OVERFLOW", "8 MiB buffered"));
 * ```
 */
export class TriloopError extends Error {
  /** The stable code. */
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message?: string, options?: { cause?: unknown }) {
    super(message ?? ErrorCodes[code], options);
    this.name = "TriloopError";
    this.code = code;
  }
}

/** True when `err` is a {@link TriloopError}, optionally with the given code. */
export function isTriloopError(err: unknown, code?: ErrorCode): err is TriloopError {
  return err instanceof TriloopError && (code === undefined || err.code === code);
}
