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

/** The PROXY cases over HTTP on a native engine (the deploy suite). */
const NATIVE_PROXY_CASES = [
  "PX3 HTTP: remoteAddr, requestIP() and getConnInfo() give the header's source [native]",
  "PX5 HTTP: a request without a header is closed unanswered and counted [native]",
  "PX3 WebSocket: ws.remoteAddress is the header's source [native]",
  "L2 HTTP: a forced close ends a connection still reading its PROXY header [native]",
];

/**
 * What Bun.serve's own websocket (uWebSockets), under the native engine on
 * Bun, does otherwise than the contract: each case with why.
 */
const WS_BUN_NATIVE: Skip[] = [
  {
    engine: "native",
    reason: "Bun.serve ends a socket as soon as its own close frame is out (uWebSockets' end()): the close " +
      "handler runs inside ws.close() with the server's code, readyState is 3 at once, and a peer that " +
      "never answers the close is not waited for (so a graceful stop finds none to force)",
    tests: [
      "WS6 ws.close(code, reason): the client gets both; then readyState is 2 and send returns 0",
      "WS6 a close handshake the peer never answers ends the connection within 5 s",
      "WS9 a graceful stop sends 1001, waits for the close handshakes, and counts them",
    ],
  },
  {
    engine: "native",
    reason: "Bun.serve echoes the peer's close reason with its code (RFC 6455 §5.5.1 allows either; the " +
      "kernel echoes the code alone)",
    tests: ["WS6 the client's close code and reason reach the close handler (ws client)"],
  },
  {
    engine: "native",
    reason: "Bun.serve checks the UTF-8 of a text message once it is whole: a fragment or frame that makes " +
      "it invalid fails the connection (1007) only when the message ends",
    tests: [
      "WP3 6.4.1-6.4.2 fail fast: the fragment that makes the text invalid fails it, before the message ends",
      "WP3 6.4.3-6.4.4 fail fast: a frame fails at its invalid byte, before the rest of the frame arrives",
    ],
  },
  {
    engine: "native",
    reason:
      "Bun.serve's permessage-deflate (uWebSockets' shared compressor and decompressor) answers every " +
      "offer with client_no_context_takeover; server_no_context_takeover, declines offers that ask for " +
      "window bits, and compresses each message alone",
    tests: [
      "WP4 a compressed message that inflates past maxPayloadLength closes with 1009; one within it passes",
      "WH4 12 permessage-deflate is agreed on the default offer, and only where the server has it",
      "WS2 the server's compressed frames carry RSV1 and use the window of the messages before",
      "WH4 13.1-13.7 window bits and context takeover as each side asks, both ways",
      "WH4 an offer the server cannot meet is declined, and the next offer is taken",
    ],
  },
  {
    engine: "native",
    reason: "Bun.serve does not tell a request's HTTP version, and its server.upgrade answers 101 to an " +
      "HTTP/1.0 upgrade request (RFC 6455 §4.1 asks for HTTP/1.1)",
    tests: ["WS1 a request that is not a valid upgrade gets the handler's response, upgrade returning false"],
  },
  {
    engine: "native",
    reason: "Bun.serve's server.upgrade answers with the first subprotocol the client offered when the " +
      "handler names none it offered (ws.protocol says so)",
    tests: ["WH3 the handler's subprotocol is sent when the client offered it, and only then"],
  },
  {
    engine: "native",
    reason: "Bun.serve gets no close frame out past the backpressure limit: with closeOnBackpressureLimit " +
      "the socket ends at once (readyState 3, the close handler gets 1008) and the peer sees the connection " +
      "end without a 1008 (Bun's own option ends it a moment later and says 1006)",
    tests: ["WS3 closeOnBackpressureLimit: past the limit the socket closes with 1008"],
  },
  {
    engine: "native",
    reason:
      "Bun.serve checks idleTimeout on uWebSockets' coarse timer tick, not per socket: with 1 s a socket " +
      'is sometimes pinged a moment after it opens (seen at 131 ms), so "not before the idle timeout" ' +
      "holds only by chance",
    tests: ["WS7 a silent socket is pinged after idleTimeout, then closed when it stays silent"],
  },
  {
    engine: "native",
    reason: "Bun.serve cannot pause a WebSocket's reads: while a message promise is pending the next " +
      "messages wait in order in the adapter, but Bun answers a ping at once",
    tests: [
      "WS4 while a message promise is pending nothing more is read: the next message and a ping wait for it",
    ],
  },
];

/**
 * What Deno.upgradeWebSocket's socket (the browser's WebSocket API over
 * fastwebsockets), under the native engine on Deno, does otherwise than the
 * contract: each case with why.
 */
const WS_DENO_NATIVE: Skip[] = [
  {
    engine: "native",
    reason: "Deno's WebSocket ends the connection without a close frame when the peer breaks the protocol " +
      "(RFC 6455 §7.1.7 asks for a close with 1002, or 1007 for bad UTF-8), and checks UTF-8 only once a " +
      "message is whole",
    tests: [
      "WP2 2.5 a ping of 126 bytes fails the connection with 1002",
      "WP2 3.1-3.7 a reserved bit on a text, binary, ping or close frame fails with 1002",
      "WP2 4.1-4.2 a reserved opcode (3-7, 11-15) fails with 1002 after the echo of the message before",
      "WP2 5.1-5.2 a fragmented ping or pong fails with 1002",
      "WP2 5.9-5.17 a continuation frame with nothing to continue fails with 1002",
      "WP2 5.18 a new text frame inside a fragmented message fails with 1002",
      "WP3 6.3 6.6-6.21 invalid UTF-8 fails with 1007, in one frame and in 1-byte fragments",
      "WP3 6.4.1-6.4.2 fail fast: the fragment that makes the text invalid fails it, before the message ends",
      "WP3 6.4.3-6.4.4 fail fast: a frame fails at its invalid byte, before the rest of the frame arrives",
      "WP3 a fragmented text message valid in its parts but cut inside a code point at its end fails with 1007",
      "WP2 7.3.2 a close payload of 1 byte fails with 1002",
      "WP3 7.5.1 a close reason that is not UTF-8 fails with 1007",
    ],
  },
  {
    engine: "native",
    reason: "Deno's WebSocket accepts a close frame of 126 bytes (RFC 6455 §5.5 allows 125) and echoes it",
    tests: ["WP2 7.3.6 a close reason of 124 bytes (a 126-byte control frame) fails with 1002"],
  },
  {
    engine: "native",
    reason: "Deno's WebSocket fails a close with code 1012, 1013 or 1014 (IANA-registered, valid) with 1002",
    tests: ["WS6 7.7 every valid close code is answered and reaches the close handler"],
  },
  {
    engine: "native",
    reason:
      "Deno's WebSocket echoes the peer's close reason with its code (RFC 6455 §5.5.1 allows either; the " +
      "kernel echoes the code alone)",
    tests: ["WS6 the client's close code and reason reach the close handler (ws client)"],
  },
  {
    engine: "native",
    reason: "Deno's socket.close() reports the socket closed once its own close frame is out, without " +
      "waiting for the peer's, and leaves the TCP connection open until the peer ends it (so a graceful " +
      "stop finds none to force, and a 1009 or idle close does not end a silent peer's connection)",
    tests: [
      "WS6 a close handshake the peer never answers ends the connection within 5 s",
      "WS9 a graceful stop sends 1001, waits for the close handshakes, and counts them",
      "WP4 fragments adding up to more than maxPayloadLength close with 1009",
      "WS7 sendPings false: a silent socket is closed after idleTimeout, without a ping",
    ],
  },
  {
    engine: "native",
    reason:
      "Deno's WebSocket has no message limit option: the adapter checks maxPayloadLength on the whole " +
      "message Deno hands over, so a frame head announcing 1 GiB gets no 1009 (Deno drops the " +
      "connection past its own 64 MiB)",
    tests: ["WP4 a frame announcing more than maxPayloadLength closes with 1009 before its payload comes"],
  },
  {
    engine: "native",
    reason:
      "Deno's WebSocket cannot end a connection without the close handshake: terminate() closes with 1000",
    tests: ["WS6 terminate ends the connection without a close frame; both sides see 1006"],
  },
  {
    engine: "native",
    reason: "Deno.upgradeWebSocket has no permessage-deflate (denoland/deno#7681): no offer is agreed",
    tests: [
      "WP4 a compressed message that inflates past maxPayloadLength closes with 1009; one within it passes",
      "WH4 12 permessage-deflate is agreed on the default offer, and only where the server has it",
      "WS2 12.1-12.5 compressed messages both ways: text and binary of 16 B to 128 KiB",
      "WS2 12.x a compressed message in fragments of 256 B to 32 KiB comes back whole",
      "WS2 the server's compressed frames carry RSV1 and use the window of the messages before",
      "WS2 send(data, compress) decides per message: off on a compressing server, on where it only inflates",
      "WH4 13.1-13.7 window bits and context takeover as each side asks, both ways",
      "WH4 an offer the server cannot meet is declined, and the next offer is taken",
      "WP2 RSV1 on a continuation frame fails with 1002, deflate agreed",
      "WP3 a compressed text message that inflates to invalid UTF-8 fails with 1007",
      "WS5 a compressed message that does not inflate fails with 1007",
    ],
  },
  {
    engine: "native",
    reason: "Deno's WebSocket neither sends a handler's ping or pong (ws.ping and ws.pong return 0) nor " +
      "tells the handler of the peer's",
    tests: [
      "WS10 2.7-2.9 an unsolicited pong gets no answer and reaches the pong handler",
      "WS10 ws.ping and ws.pong: the frames go out, the answer reaches the pong handler, 126 bytes throw",
    ],
  },
  {
    engine: "native",
    reason: "Deno's WebSocket cannot pause its reads: while a message promise is pending the next messages " +
      "wait in order in the adapter, but Deno answers a ping at once",
    tests: [
      "WS4 while a message promise is pending nothing more is read: the next message and a ping wait for it",
    ],
  },
  {
    engine: "native",
    reason: 'Deno closes a socket that missed its pong with its own close frame (1001, "No response from ' +
      'ping frame.") and tells the close handler 1001, where the kernel ends it and says 1006',
    tests: ["WS7 a silent socket is pinged after idleTimeout, then closed when it stays silent"],
  },
  {
    engine: "native",
    reason: "Deno.serve (hyper) answers a POST that asks for Upgrade: websocket with its own 400 " +
      "(Connection: close) before the handler runs",
    tests: [
      "WS1 a request that is not a valid upgrade gets the handler's response, upgrade returning false",
    ],
  },
];

/** What the HTTP suite cannot do over TLS beyond what it cannot do over TCP (suite `http-tls`). */
const TLS_HTTP: Partial<Record<RuntimeId, Skip[]>> = {
  deno: [
    {
      engine: "native",
      reason: "Deno.serve over TLS offers h2 by ALPN whatever it is told (TL5 holds: a client offering " +
        "http/1.1 alone gets it), and curl takes h2: its 100 Continue is an HTTP/2 one",
      tests: ["H6 100-continue with curl"],
    },
  ],
};

/** Skips per suite and runtime. */
export const skips: Record<string, Partial<Record<RuntimeId, Skip[]>>> = {
  tcp: {},
  // The TCP suite again over TLS (TL1).
  "tcp-tls": {
    bun: [
      {
        reason: "Bun 1.4.5's TLS sockets: with 2,000 connections echoing at once, now and then one " +
          "(about 1 run in 2) is reset after the client's half-close (its close_notify) while the server " +
          "still echoes; every other TCP invariant holds over Bun's TLS, S6 half-close included",
        tests: ["C1 write-no-loss 2000 connections x 64 KiB"],
      },
    ],
  },
  tls: {
    deno: [
      {
        reason: "Deno 2.9.6: closing a TlsConn whose handshake is pending cancels the handshake but " +
          "leaves the TCP socket open until the peer sends or closes; the timeout still counts the " +
          "handshake (TRI_ERR_TLS_HANDSHAKE) and frees the kernel's side, but a silent client is not " +
          "disconnected",
        tests: ["TL3 handshake-isolated: a client silent past the handshake timeout"],
      },
    ],
  },
  loops: {},
  // The pool's one runtime gap (Deno cannot stop a worker in an endless loop)
  // is data in Runtime.capabilities.terminateBusyWorker, checked by PL6.
  pool: {},
  watchdog: {},
  ws: {
    bun: WS_BUN_NATIVE,
    deno: [
      ...WS_DENO_NATIVE,
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
  deploy: {
    bun: [{
      reason: "Bun.serve accepts and parses its sockets itself, with no hook before its HTTP parser: " +
        "the PROXY header cannot be read first, so serve() refuses proxyProtocol with the native engine " +
        "(TRI_ERR_INVALID_ARG); the kernel engine reads it",
      tests: NATIVE_PROXY_CASES,
    }],
    deno: [{
      reason: "Deno.serve accepts and parses its sockets itself and takes no connection handed to it: " +
        "the PROXY header cannot be read first, so serve() refuses proxyProtocol with the native engine " +
        "(TRI_ERR_INVALID_ARG); the kernel engine reads it",
      tests: NATIVE_PROXY_CASES,
    }],
  },
};

// The HTTP suite over TLS (TL1) is the HTTP suite: what a native engine
// cannot do over TCP it cannot do over TLS either; what only TLS adds is listed
// in TLS_HTTP below.
skips["http-tls"] = {};
for (const id of ["node", "node24", "bun", "deno"] as const) {
  skips["http-tls"][id] = [...(skips.http[id] ?? []), ...(TLS_HTTP[id] ?? [])];
}

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
