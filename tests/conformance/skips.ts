/**
 * Conformance skips, as data: a runtime that cannot meet an invariant is
 * listed here with the reason, and the test report shows it. Empty is the
 * goal; nothing is skipped with a silent `if`.
 *
 * @module
 */

/** A runtime id, as in `cli/runtimes.mjs`. */
export type RuntimeId = "node" | "node24" | "bun" | "deno";

/** One skip: which cases, and why. */
export interface Skip {
  reason: string;
  tests: string[];
  /** Only for this HTTP engine (suite `http`); both when absent. */
  engine?: "kernel" | "native";
}

/** Skips per suite and runtime. */
export const skips: Record<string, Partial<Record<RuntimeId, Skip[]>>> = {
  tcp: {},
  loops: {},
  // The pool's one runtime gap (Deno cannot stop a worker in an endless loop)
  // is data in Runtime.capabilities.terminateBusyWorker, checked by PL6.
  pool: {},
  watchdog: {},
  ws: {
    deno: [
      {
        engine: "kernel",
        reason:
          "Deno's node:zlib ignores the dictionary option of deflateRawSync and inflateRawSync (2.9.6): " +
          "the server inflates through a stored block instead, but cannot carry its own compression " +
          "context, so it answers server_no_context_takeover and compresses each message on its own",
        tests: ["WS2 the server's compressed frames carry RSV1 and use the window of the messages before"],
      },
    ],
  },
  // The native engines are the runtimes' own servers: where one cannot meet
  // an invariant, the case is listed here with why. The kernel engine has none.
  http: {
    node24: [
      {
        engine: "native",
        reason: "Node 24's Blob stream yields its bytes only after a macrotask and the Fetch API does not " +
          "tell a body's size, so node:http's bridge sends a Blob chunked (framed right, no Content-Length)",
        tests: ["H11 body kind blob: right Content-Type and Content-Length"],
      },
    ],
    bun: [
      {
        engine: "native",
        reason:
          "Bun.serve's parser answers a transfer coding other than chunked with 400 before the handler " +
          "runs (RFC 9112 §6.1 asks 501)",
        tests: ["H3 501 for an unknown transfer coding"],
      },
      {
        engine: "native",
        reason: "Bun.serve has no headers or request timeout: its idleTimeout only closes a silent " +
          "connection, so a client that trickles bytes is never answered 408",
        tests: [
          "H3 408 headers timeout against a slowloris client",
          "H3 408 request timeout against a slow body",
        ],
      },
      {
        engine: "native",
        reason:
          "Bun.serve closes after a request with Connection: close but does not say Connection: close " +
          "in the response (RFC 9112 §9.6 SHOULD)",
        tests: ["H4 client Connection: close closes after the response"],
      },
      {
        engine: "native",
        reason: "Bun.serve closes HTTP/1.0 connections even when keep-alive is asked, and never answers " +
          "Connection: keep-alive",
        tests: ["H4 HTTP/1.0 closes unless keep-alive is asked"],
      },
      {
        engine: "native",
        reason: "Bun.serve's idleTimeout is whole seconds checked on uWebSockets' 4 s timer tick: a " +
          "600 ms keep-alive timeout closes after about 4 s",
        tests: ["H4 idle keep-alive timeout closes the connection"],
      },
      {
        engine: "native",
        reason: "Bun.serve has no per-connection request limit or connection limit, and tells the handler " +
          "nothing about connections (no accept or close events)",
        tests: [
          "H4 maxRequestsPerConnection closes after the last allowed response",
          "H4 maxConnections closes connections past the limit",
        ],
      },
      {
        engine: "native",
        reason: "Bun.serve sends 100 Continue before it checks maxRequestBodySize, then answers 413",
        tests: ["H6 a body over the limit is refused 413 without 100 Continue"],
      },
      {
        engine: "native",
        reason: "Bun.serve drops Content-Type (and Date) from HEAD answers (oven-sh/bun#27512; the fix, " +
          "oven-sh/bun#33427, is not in 1.4.5)",
        tests: [
          "H7 HEAD carries GET's fields and Content-Length, no body",
          "H7 HEAD on a Hono route: headers, no body",
        ],
      },
    ],
    deno: [
      {
        engine: "native",
        reason: "Deno.serve ignores a handler's Connection: close: it sends the field but keeps the " +
          "connection and serves what follows, so a refusal the engine answers (with the right status) " +
          "cannot end the connection",
        tests: [
          "H3 501 for an unknown transfer coding",
          "H3 431 header section over maxHeaderBytes",
          "H3 431 more fields than maxHeaderCount",
          "H3 414 URI over maxUriBytes",
          "H3 413 body over maxBodyBytes by Content-Length",
          "H3 413 body over maxBodyBytes by chunked total",
          "H4 handler Connection: close closes after the response",
        ],
      },
      {
        engine: "native",
        reason: "Deno.serve (hyper) closes the connection without an answer on a bad chunk size",
        tests: ["H2 chunked with a bad chunk size → 400, close, nothing read after"],
      },
      {
        engine: "native",
        reason: "Deno.serve (hyper) accepts a bare LF as a line end and an HTTP/1.1 request without Host",
        tests: [
          "H2 bare LF → 400, close, nothing read after",
          "H2 missing Host in HTTP/1.1 → 400, close, nothing read after",
        ],
      },
      {
        engine: "native",
        reason: "Deno.serve (hyper) answers HTTP/2.0 in a 1.x request line with 400, not 505",
        tests: ["H3 505 for HTTP/2.0 in a 1.x request line"],
      },
      {
        engine: "native",
        reason: "Deno.serve has no headers, request or keep-alive timeout option",
        tests: [
          "H3 408 headers timeout against a slowloris client",
          "H3 408 request timeout against a slow body",
          "H4 idle keep-alive timeout closes the connection",
        ],
      },
      {
        engine: "native",
        reason: "Deno.serve has no per-connection request limit or connection limit, and tells the handler " +
          "nothing about connections",
        tests: [
          "H4 maxRequestsPerConnection closes after the last allowed response",
          "H4 maxConnections closes connections past the limit",
        ],
      },
      {
        engine: "native",
        reason: "Deno.serve answers 100 Continue itself before the handler can refuse the body",
        tests: ["H6 a body over the limit is refused 413 without 100 Continue"],
      },
      {
        engine: "native",
        reason: "Deno.serve sends a Blob body chunked, without Content-Length",
        tests: ["H11 body kind blob: right Content-Type and Content-Length"],
      },
    ],
  },
};

/** The reason `name` is skipped on `runtime` in `suite`, if it is. */
export function skipReason(suite: string, runtime: RuntimeId, name: string): string | undefined {
  return skips[suite]?.[runtime]?.find((s) => s.tests.includes(name))?.reason;
}

/** The reason `name` is skipped on `runtime` with `engine` in `suite`, if it is. */
export function engineSkipReason(
  suite: string,
  runtime: RuntimeId,
  engine: "kernel" | "native",
  name: string,
): string | undefined {
  return skips[suite]?.[runtime]?.find((s) => (s.engine ?? engine) === engine && s.tests.includes(name))
    ?.reason;
}
