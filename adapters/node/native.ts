/**
 * The native engine on Node.js: `node:http` (https://nodejs.org/api/http.html)
 * with a fetch bridge — a `Request` built from each `IncomingMessage`, the
 * handler's `Response` written to the `ServerResponse`, both bodies streamed
 * with backpressure.
 *
 * Limits map onto node:http's knobs (`maxHeaderSize`, `headersTimeout`,
 * `requestTimeout`, `keepAliveTimeout`, `maxConnections`, `maxHeadersCount`);
 * the URI length, the transfer codings, Host, the version, requests per
 * connection and the body size while streaming are checked here, because
 * node:http has no knob for them or answers them differently. What it answers differently is data in
 * `tests/conformance/skips.ts`.
 *
 * @module
 */

import * as http from "node:http";
import * as https from "node:https";
import type { AddressInfo, Socket } from "node:net";
import { TriloopError } from "../../core/errors.ts";
import { listenFailed } from "../../core/listen-error.ts";
import { serverUrl } from "../../core/_shared/server-url.ts";
import { requestFor } from "../../core/fetch/lazy-request.ts";
import { requestUrl } from "../../core/server/request-url.ts";
import { installGlobals } from "../../core/fetch/globals.ts";
import type { Adapter, Server, ServerStats } from "../../core/types.ts";
import type { Limits } from "../../core/server/limits.ts";
import type { Engines, ResolvedServeOptions } from "../../core/server/serve.ts";
import { STATUS_ERROR_CODES } from "../../core/http1/codes.ts";
import { reasonOf } from "../../core/http1/status-lines.ts";
import { AddrServeInfo, checkHead, NativeCounters, runHandler, versionRequired } from "../_native.ts";
import { gracefulClose } from "../_native-server.ts";
import { writeResponse } from "./_write-response.ts";
import { NodeWebSockets } from "./native-ws.ts";
import { TlsAcceptor } from "./tls.ts";
import { notTls } from "../../core/tls.ts";
import { proxyGate, unshiftRest } from "./listen.ts";
import {
  type ProxiedAddresses,
  type ProxyGate,
  type ProxyPolicy,
  resolveProxy,
} from "../../core/proxy/gate.ts";

/** Per-socket state, kept on the socket so no map is needed. */
const INFO = Symbol("triloop.serveInfo");
const ACTIVE = Symbol("triloop.activeResponse");
/** Set once a request on the socket ends it (a refusal, the last allowed): nothing after is acted on (H2). */
const LAST = Symbol("triloop.lastRequest");
const SERVED = Symbol("triloop.requestsServed");
/** An upgrade request's socket: the bytes that came after the request (the first frames). */
const HEAD = Symbol("triloop.upgradeHead");
/** The addresses the socket's PROXY header named (PX3). */
const PROXIED = Symbol("triloop.proxied");

type TrackedSocket = Socket & {
  [INFO]?: AddrServeInfo;
  [ACTIVE]?: http.ServerResponse;
  [LAST]?: boolean;
  [SERVED]?: number;
  [HEAD]?: Uint8Array;
  [PROXIED]?: ProxiedAddresses;
};

/** The node:http error codes we answer with something other than 400 (others: 400, or nothing). */
const CLIENT_ERROR_STATUS: Record<string, number> = {
  HPE_HEADER_OVERFLOW: 431,
  HPE_CHUNK_EXTENSIONS_OVERFLOW: 413,
  ERR_HTTP_REQUEST_TIMEOUT: 408,
  ECONNRESET: 0,
  EPIPE: 0,
};

/** What `engine: "auto"` picks on Node.js: the engine measured cheaper there (`npm run bench`). */
export const AUTO: Engines["auto"] = {
  engine: "kernel",
  why: "the kernel engine beats node:http on requests/s and CPU per request",
};

/** Serves `options.fetch` with node:http. */
export async function nativeEngine(runtime: Adapter, options: ResolvedServeOptions): Promise<Server> {
  // Handlers' `new Response(text)` then costs no stream (see _write-response.ts).
  if (options.overrideGlobalObjects) installGlobals();
  const counters = new NativeCounters();
  const acceptor = options.tls === undefined ? undefined : new TlsAcceptor(options.tls, []);
  const server = createServer(options.limits, acceptor);
  // TL3: a failed or timed-out handshake closes its socket only; counted as the kernel does.
  server.on("tlsClientError", () => counters.error("TRI_ERR_TLS_HANDSHAKE"));
  const sockets = new SocketTracker(server, counters);
  const ws = new NodeWebSockets(runtime, options);
  server.on("clientError", clientErrorAnswer(counters));
  const onRequest = requestHandler(server, options, counters, ws);
  server.on("request", onRequest);
  // With a listener, node:http leaves `100 Continue` to us, so a body over
  // the limit is refused (413) before the client sends it (H6).
  server.on("checkContinue", onRequest);
  // A request with `Connection: upgrade` comes here instead, its socket
  // detached from node:http: answered on a response of our own, unless the
  // handler upgrades it (WS1).
  server.on("upgrade", (req: http.IncomingMessage, socket: Socket, head: Uint8Array) => {
    const res = new http.ServerResponse(req);
    res.shouldKeepAlive = false;
    res.assignSocket(socket);
    res.once("finish", () => socket.destroySoon());
    (socket as TrackedSocket)[HEAD] = head;
    onRequest(req, res);
  });

  const proxy = resolveProxy(options.proxy);
  const gates = proxy === undefined
    ? undefined
    : gateConnections(server, proxy, counters, acceptor !== undefined);

  await new Promise<void>((resolve, reject) => {
    server.once("error", (err) => reject(listenFailed(options.hostname, options.port, err)));
    server.listen(
      { host: options.hostname, port: options.port, reusePort: options.reusePort, backlog: 511 },
      resolve,
    );
  });
  const port = (server.address() as AddressInfo).port;
  ws.listening(port);
  return {
    url: serverUrl(options.hostname, port, acceptor !== undefined),
    port,
    engine: "native",
    reloadTls: (tls) =>
      acceptor === undefined ? Promise.reject(notTls()) : acceptor.reloadServer(server as https.Server, tls),
    close: gracefulClose(
      counters,
      () => {
        // Stops accepting; since Node 19 it also closes idle keep-alive sockets.
        server.close();
        server.closeIdleConnections();
        ws.shutdown();
        return sockets.drained().then(() => {
          // A socket still reading its PROXY header now would become a connection after the drain.
          for (const gate of [...(gates ?? [])]) gate.cancel();
          ws.stop();
        });
      },
      () => {
        ws.stop();
        for (const gate of [...(gates ?? [])]) gate.cancel(); // still reading a PROXY header
        return sockets.cut(server);
      },
      () => ws.open,
    ),
    stats: () => ws.addStats(sockets.stats()),
  };
}

/**
 * The PROXY step (PX1–PX9) before node:http sees a socket: its own
 * 'connection' listeners run once the header is read, and the bytes after
 * the header reach its parser as the socket's first data.
 */
function gateConnections(
  server: http.Server,
  policy: ProxyPolicy,
  counters: NativeCounters,
  tls: boolean,
): Set<ProxyGate<unknown>> {
  const listeners = server.listeners("connection") as Array<(socket: Socket) => void>;
  server.removeAllListeners("connection");
  const gates = new Set<ProxyGate<unknown>>();
  const counter = { refuse: (err: TriloopError) => counters.error(err.code), gates };
  server.on(
    "connection",
    proxyGate(policy, counter, (socket: TrackedSocket, proxied, rest) => {
      socket[PROXIED] = proxied;
      // node:tls reads what the socket holds already when it wraps it; node:http
      // reads its handle, so the bytes after the header are handed to it as data.
      if (tls && rest.byteLength > 0) unshiftRest(socket, rest);
      for (const listener of listeners) listener.call(server, socket);
      if (!tls && rest.byteLength > 0) socket.emit("data", rest);
    }),
  );
  return gates;
}

/** node:http's server (node:https's with TLS) with the limits it has knobs for. */
function createServer(limits: Limits, acceptor: TlsAcceptor | undefined): http.Server {
  const o: http.ServerOptions = {
    ...timeouts(limits),
    maxHeaderSize: limits.maxHeaderBytes,
    noDelay: true,
    // Checked in readHead instead: node:http's own answer lets a pipelined
    // request after it through to the handler.
    requireHostHeader: false,
  };
  const server = acceptor === undefined
    ? http.createServer(o)
    : https.createServer({ ...o, ...acceptor.httpsOptions() });
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  // node:http keeps the first maxHeadersCount fields and drops the rest
  // silently; one more than the limit lets us see the overflow and answer 431.
  server.maxHeadersCount = limits.maxHeaderCount + 1;
  if (limits.maxConnections > 0) server.maxConnections = limits.maxConnections;
  return server;
}

/**
 * Per-socket tracking: every socket is counted as it opens and closes (its
 * bytes added then), so `stats()` adds only the open ones' bytes so far and
 * `close()` can wait for the last one, or cut them.
 */
class SocketTracker {
  readonly #open = new Set<Socket>();
  readonly #counters: NativeCounters;
  #allClosed: (() => void) | undefined;

  constructor(server: http.Server, counters: NativeCounters) {
    this.#counters = counters;
    server.on("connection", (socket: Socket) => {
      counters.accepted++;
      this.#open.add(socket);
      socket.once("close", () => {
        counters.closed++;
        counters.bytesRead += socket.bytesRead;
        counters.bytesWritten += socket.bytesWritten;
        this.#open.delete(socket);
        if (this.#open.size === 0) this.#allClosed?.();
      });
    });
    server.on("drop", () => {
      // maxConnections: node:net closed it before 'connection'.
      counters.accepted++;
      counters.closed++;
    });
  }

  /** Settles once no socket is open. */
  drained(): Promise<void> {
    return this.#open.size === 0 ? Promise.resolve() : new Promise<void>((r) => (this.#allClosed = r));
  }

  /** Closes every socket still open, and says how many there were. */
  cut(server: http.Server): number {
    const open = this.#open.size;
    if (open > 0) server.closeAllConnections();
    for (const s of this.#open) s.destroy();
    return open;
  }

  /** The server's counters, with the bytes of the sockets still open. */
  stats(): ServerStats {
    let read = this.#counters.bytesRead;
    let written = this.#counters.bytesWritten;
    for (const s of this.#open) {
      read += s.bytesRead;
      written += s.bytesWritten;
    }
    return this.#counters.snapshot(this.#open.size, read, written);
  }
}

/**
 * node:http's `clientError`: bytes on a socket that are not a request it can
 * parse, or a timeout. Answered with the status the kernel gives and
 * `Connection: close`; after the response in flight when the bad request was
 * pipelined behind a good one (H5).
 */
function clientErrorAnswer(counters: NativeCounters) {
  return (err: Error & { code?: string }, socket: TrackedSocket): void => {
    const active = socket[ACTIVE];
    if (err.code === "HPE_CLOSED_CONNECTION") {
      // Bytes after a request that ends the connection are not HTTP (RFC 9112
      // §9.6): ignored; node:http closes once that request's response is sent.
      if (active === undefined) socket.destroySoon();
      return;
    }
    const status = CLIENT_ERROR_STATUS[err.code ?? ""] ?? 400;
    if (status === 0) {
      counters.error("TRI_ERR_CONN_RESET");
      socket.destroy();
      return;
    }
    counters.error(STATUS_ERROR_CODES[status]);
    const answer = () => {
      if (socket.writable) {
        counters.responded(status);
        const reason = reasonOf(status);
        socket.write(
          `HTTP/1.1 ${status} ${reason}\r\nContent-Type: text/plain;charset=UTF-8\r\n` +
            `Content-Length: ${reason.length}\r\nConnection: close\r\n\r\n${reason}`,
        );
      }
      socket.destroySoon();
    };
    if (active === undefined) answer();
    else if (active.req.complete && status !== 408) {
      // The error is in a later pipelined request: answer after the one in flight (H5).
      socket[LAST] = true;
      active.once("close", answer);
    } else if (!active.headersSent) answer(); // the request in flight is the bad one
    else socket.destroy(); // too late for a status: its response is half sent
  };
}

/**
 * The request handler: each parsed request is checked (readHead), refused
 * or handed to the fetch handler as a light Request, and its Response is
 * written back with backpressure (_write-response.ts).
 */
function requestHandler(
  server: http.Server,
  options: ResolvedServeOptions,
  counters: NativeCounters,
  ws: NodeWebSockets,
) {
  const { limits } = options;

  async function onRequest(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    counters.requests++;
    counters.inFlight++;
    const socket = req.socket as TrackedSocket;
    socket[ACTIVE] = res;
    // The signal is made when the handler asks for it (most never do).
    let ac: AbortController | undefined;
    let gone: DOMException | undefined;
    res.once("close", () => {
      counters.finished();
      if (socket[ACTIVE] === res) socket[ACTIVE] = undefined;
      // H9: only a response that did not finish means the client went away.
      if (!res.writableFinished) {
        // The reason the kernel gives (and fetch's own aborts): an AbortError DOMException.
        gone = new DOMException("The client went away", "AbortError");
        ac?.abort(gone);
      } else if (counters.closing) server.closeIdleConnections();
    });
    res.once("finish", () => counters.responded(res.statusCode));
    // node:http parses pipelined requests ahead; one that follows a refusal is
    // never handled, and the socket closes after the refusal is sent.
    if (socket[LAST]) return;
    const served = (socket[SERVED] = (socket[SERVED] ?? 0) + 1);
    // node:http's own maxRequestsPerSocket answers the next request 503 and
    // keeps the socket open; the contract closes it after the last response.
    const last = served === limits.maxRequestsPerConnection;
    if (last) socket[LAST] = true;

    const head = readHead(req, limits);
    if (head.status !== 0) return refuse(res, head.status);
    if (head.continue) res.writeContinue();
    // An upgrade request's bytes after its head are not a body: they are the socket's (WS1).
    const upgrading = socket[HEAD] !== undefined;
    if (upgrading) head.body = false;

    // A light Request (the kernel engine's LazyRequest): building a real one
    // per request costs more than the rest of the engine (undici's
    // constructor validates and copies everything).
    // Made now, not when asked for: its reader enforces the body limit (413)
    // even for a handler that never reads the body.
    const body = head.body ? bodyStream(req, limits.maxBodyBytes, () => refuse(res, 413)) : null;
    const request = requestFor({
      method: req.method ?? "GET",
      url: () => head.url,
      headers: () => head.headers,
      bufferedBody: () => undefined,
      hasBody: () => body !== null,
      bodyStream: () => body,
      signal() {
        if (ac === undefined) {
          ac = new AbortController();
          if (gone !== undefined) ac.abort(gone);
        }
        return ac.signal;
      },
    }, options.overrideGlobalObjects);
    if (upgrading) ws.offer(request, req);
    const upgraded = () => upgrading && ws.outcome(request) === "upgraded";
    let response = await runHandler(
      options,
      request,
      serveInfoOf(socket, options.loopId, ws),
      counters,
      upgraded,
    );
    if (response === undefined) {
      // The 101 goes out on the socket node:http let go of; it is the WebSocket's now.
      res.detachSocket(socket);
      counters.responded(101);
      counters.finished();
      ws.accept(request, socket, socket[HEAD] ?? new Uint8Array(0), socket[PROXIED]);
      socket[HEAD] = undefined;
      return;
    }
    if (upgrading && ws.outcome(request) === "426") response = versionRequired();
    await writeResponse(req, res, response, last || counters.closing || upgrading, (err) => {
      // Told once, as the kernel tells it (a stream that fails after the head is not a throw).
      counters.error(res.headersSent ? "TRI_ERR_HTTP_STREAM" : "TRI_ERR_HANDLER_THREW");
      try {
        options.onError(err, request);
      } catch {
        // A throwing onError must not take the server down.
      }
    });
  }

  function refuse(res: http.ServerResponse, status: number): void {
    counters.error(STATUS_ERROR_CODES[status] ?? "TRI_ERR_HTTP_PARSE");
    const socket = res.socket as TrackedSocket | null;
    if (socket !== null) socket[LAST] = true;
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const reason = reasonOf(status);
    res.writeHead(status, reason, [
      "content-type",
      "text/plain;charset=UTF-8",
      "content-length",
      String(reason.length),
      "connection",
      "close",
    ]);
    res.end(reason);
  }

  return (req: http.IncomingMessage, res: http.ServerResponse) => void onRequest(req, res);
}

/** The `ServeInfo` of a socket's requests, made on its first. */
function serveInfoOf(socket: TrackedSocket, loopId: number, ws: NodeWebSockets): AddrServeInfo {
  // With TLS the request's socket is the TLSSocket node:https made of the raw one the PROXY step read.
  const p = socket[PROXIED] ?? (socket as { _parent?: TrackedSocket })._parent?.[PROXIED];
  return socket[INFO] ??= new AddrServeInfo(
    {
      hostname: p?.remote.address ?? socket.remoteAddress ?? "",
      port: p?.remote.port ?? socket.remotePort ?? 0,
    },
    { hostname: p?.local.address ?? socket.localAddress ?? "", port: p?.local.port ?? socket.localPort ?? 0 },
    { loopId, ws },
  );
}

/**
 * node:http's timeouts. It refuses a headers timeout above the request
 * timeout, and checks both only every `connectionsCheckingInterval` (30 s by
 * default), so the interval follows the shorter timeout.
 */
function timeouts(limits: Limits): http.ServerOptions {
  const request = limits.requestTimeoutMs;
  const headers = request > 0 && limits.headersTimeoutMs > request ? request : limits.headersTimeoutMs;
  const shortest = Math.min(...[headers, request].filter((ms) => ms > 0), 30_000);
  return {
    headersTimeout: headers,
    requestTimeout: request,
    connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(shortest / 4))),
  };
}

interface Head {
  /** 0, or the status to refuse the request with. */
  status: number;
  url: string;
  headers: Headers;
  body: boolean;
  continue: boolean;
}

/** Reads what the Request needs from the raw fields, and the checks node:http leaves to us. */
function readHead(req: http.IncomingMessage, limits: Limits): Head {
  const raw = req.rawHeaders;
  const headers = new Headers();
  const head: Head = { status: 0, url: "", headers, body: false, continue: false };
  let host: string | undefined;
  let hosts = 0;
  const pairs: Array<[string, string]> = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i];
    const value = raw[i + 1];
    pairs.push([name, value]);
    headers.append(name, value);
    switch (name.length) {
      case 4:
        if (name.toLowerCase() === "host") {
          host = value;
          hosts++;
        }
        break;
      case 6:
        if (name.toLowerCase() === "expect" && value.toLowerCase() === "100-continue") head.continue = true;
        break;
      case 14:
        if (name.toLowerCase() === "content-length") {
          // "0" too: an empty body is a body (an empty stream), as the kernel gives it.
          head.body = true;
          if (Number(value) > limits.maxBodyBytes) head.status = 413;
        }
        break;
      case 17:
        if (name.toLowerCase() === "transfer-encoding") head.body = true;
        break;
    }
  }
  const target = req.url ?? "/";
  const checked = checkHead(req.method ?? "GET", target, pairs, limits, true);
  if (checked !== 0) head.status = checked;
  // RFC 9112 §3.2: an HTTP/1.1 request has exactly one Host (node:http keeps the first).
  if (hosts > 1 || (hosts === 0 && req.httpVersionMinor === 1)) head.status = 400;
  // llhttp accepts any HTTP/d.d; only 1.x is ours to answer (RFC 9110 §6.2).
  if (req.httpVersionMajor !== 1) head.status = 505;
  if (head.status === 413) head.continue = false;
  if (req.method === "GET" || req.method === "HEAD") head.body = false;
  // The kernel's URL (core/server/request-url.ts): the same string on every engine.
  const self = req.socket.localAddress ?? "localhost";
  const authority = host || `${self.includes(":") ? `[${self}]` : self}:${req.socket.localPort}`;
  const url = requestUrl(
    target,
    authority,
    req.method ?? "GET",
    (req.socket as { encrypted?: boolean }).encrypted === true,
  );
  if (url === null && head.status === 0) head.status = 400;
  head.url = url ?? "";
  return head;
}

/**
 * The request body as a web stream: reads pause while the handler is not
 * consuming (H8), and more than `max` bytes error the stream and run `over`
 * (which answers 413).
 */
function bodyStream(req: http.IncomingMessage, max: number, over: () => void): ReadableStream<Uint8Array> {
  let seen = 0;
  let done = false;
  return new ReadableStream<Uint8Array>({
    start(ctrl) {
      req.on("data", (chunk: Uint8Array) => {
        if (done) return;
        seen += chunk.byteLength;
        if (seen > max) {
          done = true;
          over();
          ctrl.error(new TriloopError("TRI_ERR_HTTP_BODY_TOO_LARGE", `Request body is over ${max} bytes`));
          return;
        }
        // A plain Uint8Array, as the kernel and the Fetch API give (a Buffer's methods differ).
        ctrl.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        if ((ctrl.desiredSize ?? 1) <= 0) req.pause();
      });
      req.once("end", () => {
        if (!done) ctrl.close();
        done = true;
      });
      req.once("close", () => {
        if (!done) ctrl.error(new TriloopError("TRI_ERR_CONN_RESET", "The client went away"));
        done = true;
      });
    },
    pull() {
      req.resume();
    },
    cancel() {
      done = true;
      // Leave the rest to node:http, which discards an unread body after the response.
    },
  }, { highWaterMark: 64 * 1024, size: (chunk) => chunk.byteLength });
}
