/**
 * The kernel engine's connection: the HTTP/1.1 state machine over one
 * {@link Conn}. It parses with {@link Http1Parser}, answers one request at a
 * time (so pipelined responses leave strictly in order, H5), streams bodies
 * both ways with backpressure (H8), and enforces the limits and timeouts of
 * {@link HttpLimits} the same way on every runtime.
 *
 * The fast path — a complete small request, a handler that returns a
 * Response synchronously, a string or bytes body — runs inside one `data`
 * callback: parse, call, serialize into the loop's out buffer, and one
 * `write` for every response of the batch.
 *
 * @module
 */

import type { Conn, ServeInfo } from "../types.ts";
import { type Http1Handler, Http1Parser } from "../http1/parser.ts";
import * as codes from "../http1/codes.ts";
import type { HttpParseError } from "../http1/codes.ts";
import type { RequestHead } from "../http1/head.ts";
import { requestFor } from "../fetch/lazy-request.ts";
import { LightResponse } from "../fetch/light-response.ts";
import * as sweeper from "../idle-sweeper.ts";
import type { Idle } from "../idle-sweeper.ts";
import { Exchange, type ExchangeHost } from "./exchange.ts";
import { requestUrl } from "./request-url.ts";
import type { UpgradeOptions } from "../ws/types.ts";
import * as outBuffer from "./out-buffer.ts";
import { utf8Length } from "../http1/head-writer.ts";
import {
  bodyless,
  type Resolved,
  resolveResponse,
  writeErrorResponse,
  writeHead,
  writeTextResponse,
} from "./respond.ts";
import type { HttpServerCore } from "./server-core.ts";

// Module-level copies of imported values used on every request: V8 reads an
// imported binding through its module cell, with a TDZ check, at every use; a
// module-level const it folds into the compiled code (see http1/parser.ts).
const { FIRST_ERROR, ParseCode } = codes;
const { loopSweeper } = sweeper;
const { DIRECT_BELOW, loopOut } = outBuffer;

const CONTINUE = new TextEncoder().encode("HTTP/1.1 100 Continue\r\n\r\n");
const CRLF = "\r\n";
const LAST_CHUNK = new TextEncoder().encode("0\r\n\r\n");
const ENCODER = new TextEncoder();

/** The last request URL made in this loop, and what it was made from (see `url`). */
let lastTarget = "";
let lastHost = "";
let lastUrl = "";
let lastSecure = false;

/** The answer while the loop is overloaded. */
const SHED = () => new Response("503 Service Unavailable", { status: 503, headers: { "retry-after": "1" } });
/** Output buffered past this stops the processing of pipelined requests until drain. */
const BLOCKED_AT = 256 * 1024;
/** Fixed bodies are written in slices of this size, paced by drain. */
const SLICE = 256 * 1024;

// What the connection is waiting for (decides what a timeout means).
const WAIT_FIRST = 0; // a new connection, no byte yet: headersTimeout, then close silently
const WAIT_IDLE = 1; // keep-alive, between requests: keepAliveTimeout, then close silently
const WAIT_HEAD = 2; // inside a head: headersTimeout from its first byte, then 408
const WAIT_BODY = 3; // inside a body: requestTimeout from the first byte, then 408
const WAIT_APP = 4; // the handler has the request: no timeout

const parserHandler: Http1Handler<HttpConn> = {
  onMessageBegin(p) {
    p.data.messageBegin();
  },
  onHeaders(p) {
    p.data.headers(p);
  },
  onBody(p, buf, start, end) {
    p.data.exchange?.body(buf.subarray(start, end));
  },
  onMessageComplete(p) {
    p.data.messageComplete(p);
  },
};

/** One HTTP/1.1 connection of the kernel engine. */
export class HttpConn implements ExchangeHost, Idle {
  /** The request in progress (parsing, in the handler, or being answered). */
  exchange: Exchange | undefined;
  idleMs = 0;
  lastActive = 0;
  quietSince = 0;
  seenActive = 0;
  sweep = 0;

  readonly #core: HttpServerCore;
  readonly #conn: Conn<HttpConn>;
  #parser: Http1Parser<HttpConn> | undefined;
  #info: ServeInfo | undefined;
  /** The connection became a WebSocket: this object reads nothing more. */
  #upgraded = false;
  #ws: { start(): void; state: { data(b: Uint8Array): void } } | undefined;
  /** Input that arrived while a response was pending (pipelining), with its offset. */
  #pending: Uint8Array[] = [];
  #pendingAt = 0;
  #wait = WAIT_FIRST;
  #served = 0;
  #closing = false; // a response that ends the connection has been queued
  #peerEnded = false;
  #bodyPaused = false;
  #drainWaiter: (() => void) | undefined;
  #running = false; // inside #run (so async completions know not to re-enter)
  #armMs = -1; // a timeout to arm when #run ends (see #arm)
  #blocked = false; // pipelined input waits for the client to read our output

  constructor(core: HttpServerCore, conn: Conn<HttpConn>) {
    this.#core = core;
    this.#conn = conn;
    this.#arm(WAIT_FIRST, core.limits.headersTimeoutMs);
  }

  get idle(): boolean {
    return this.exchange === undefined && this.#pending.length === 0 && (this.#parser?.idle ?? true);
  }

  // ---- socket events (from the kernel handler) -------------------------------

  data(bytes: Uint8Array): void {
    if (this.#closing) return; // H2: nothing is read after a response that ends the connection
    if (this.#busy()) {
      this.#pending.push(bytes);
      this.#conn.pause();
      return;
    }
    this.#run(bytes, 0);
  }

  drain(): void {
    const w = this.#drainWaiter;
    this.#drainWaiter = undefined;
    if (w !== undefined) w();
    else if (this.#blocked) {
      this.#blocked = false;
      this.#continuePending();
    }
  }

  end(): void {
    this.#peerEnded = true;
    const code = this.#parser?.finish() ?? ParseCode.OK;
    if (code >= FIRST_ERROR) {
      // The peer stopped sending inside a request: it cannot be answered.
      this.exchange?.abort();
      this.#closing = true;
      this.#conn.end();
      return;
    }
    // A client that half-closes while its request is in the handler has gone
    // away (H9), as every runtime's own server reads it; the response, if
    // one still comes, is sent before our FIN.
    const ex = this.exchange;
    if (ex !== undefined && ex.dispatched && !ex.responded) ex.abort();
    if (this.idle) this.#conn.end();
  }

  closed(): void {
    this.#disarm();
    this.exchange?.abort();
    this.#pending = [];
    const w = this.#drainWaiter;
    this.#drainWaiter = undefined;
    w?.();
  }

  onIdle(): void {
    const wait = this.#wait;
    this.#disarm();
    if (wait === WAIT_FIRST || wait === WAIT_IDLE) {
      // Nothing of a request has arrived: close without a response.
      this.#closing = true;
      this.#conn.end();
      return;
    }
    this.#core.count("TRI_ERR_HTTP_TIMEOUT");
    if (this.exchange?.headSent) {
      this.#conn.close();
      return;
    }
    this.exchange?.abort();
    this.#fail(408);
  }

  // ---- graceful shutdown -------------------------------------------------------

  /** Ends an idle connection now, or marks a busy one to close after its response. */
  shutdown(): void {
    const ex = this.exchange;
    if (ex !== undefined && !ex.headSent) ex.closeAfter = true;
    if (this.idle && !this.#closing) {
      // FIN, then keep reading (and ignoring) until the peer closes: closing a
      // socket with unread input would send a reset (the reset race).
      this.#closing = true;
      this.#conn.end();
    }
  }

  // ---- parser events --------------------------------------------------------------

  messageBegin(): void {
    this.#arm(WAIT_HEAD, this.#core.limits.headersTimeoutMs);
  }

  headers(p: Http1Parser<HttpConn>): void {
    const head = p.requestHead();
    const ex = new Exchange(this, head);
    this.exchange = ex;
    this.#served++;
    const max = this.#core.limits.maxRequestsPerConnection;
    if (!head.keepAlive || this.#core.closing || (max > 0 && this.#served >= max)) ex.closeAfter = true;
    if (head.hasBody) {
      this.#wait = WAIT_BODY;
      // Measured from the request's first byte: the head's timer goes on with this limit.
      const ms = this.#core.limits.requestTimeoutMs;
      if (this.#armMs >= 0) this.#armMs = ms; // the head began in this run: not armed yet
      else this.idleMs = ms;
      if (p.expectContinue) loopOut.bytes(CONTINUE);
      // The parser goes on into the body: if it all arrived with the head,
      // the handler gets it whole at messageComplete; if not, #run calls the
      // handler when this chunk is used up, and the rest streams.
    } else {
      this.#wait = WAIT_APP;
      this.#disarm();
    }
  }

  messageComplete(p: Http1Parser<HttpConn>): void {
    const ex = this.exchange!;
    ex.end();
    if (this.#wait !== WAIT_APP) {
      this.#wait = WAIT_APP;
      this.#disarm();
    }
    p.pause();
  }

  // ---- ExchangeHost ----------------------------------------------------------------

  pauseBody(): void {
    if (!this.#bodyPaused) {
      this.#bodyPaused = true;
      this.#conn.pause();
    }
  }

  resumeBody(): void {
    if (this.#bodyPaused) {
      this.#bodyPaused = false;
      if (!this.#busy()) this.#conn.resume();
    }
  }

  url(head: RequestHead): string | null {
    const target = head.target;
    // A request without a Host (HTTP/1.0), or with an empty one (RFC 9112
    // §3.2), names this server by the address and port it reached.
    const host = head.host || this.#selfHost();
    // The same target and Host as the last request of this loop (the same
    // strings, usually the same objects): the same URL, already flattened.
    const secure = this.#core.secure;
    if (target === lastTarget && host === lastHost && secure === lastSecure && target.charCodeAt(0) === 47) {
      return lastUrl;
    }
    const url = requestUrl(target, host, head.methodName, secure);
    if (url !== null) {
      lastTarget = target;
      lastHost = host;
      lastSecure = secure;
      lastUrl = url;
    }
    return url;
  }

  #selfHost(): string {
    const c = this.#conn;
    const a = c.localAddress;
    return `${a.includes(":") ? `[${a}]` : a}:${c.localPort}`;
  }

  // ---- the loop ---------------------------------------------------------------------

  /** Parses `buf[at..]`, dispatching and answering requests, until it needs more. */
  #run(buf: Uint8Array, at: number): void {
    const p = (this.#parser ??= this.#newParser());
    this.#running = true;
    try {
      while (at < buf.byteLength) {
        const code = p.execute(buf, at, buf.byteLength);
        if (code === ParseCode.OK) {
          const ex = this.exchange;
          if (ex !== undefined && !ex.dispatched) this.#dispatch(ex); // a body still arriving
          break;
        }
        if (code !== ParseCode.PAUSED && code !== ParseCode.CLOSED) {
          this.#parseError(p.error!);
          return;
        }
        at = p.offset;
        const ex = this.exchange!;
        if (!ex.dispatched) this.#dispatch(ex);
        if (this.#upgraded) {
          // Bytes after the upgrade request are the socket's first frames.
          if (at < buf.byteLength) this.#pending.unshift(buf.subarray(at));
          this.#handOver();
          return;
        }
        if (code === ParseCode.CLOSED) break;
        if (ex.complete && !ex.responded) {
          // The response is still coming: keep the rest for later (in order, H5).
          if (at < buf.byteLength) {
            this.#pending.push(at === 0 ? buf : buf.subarray(at));
            this.#conn.pause();
          }
          break;
        }
        if (ex.complete && ex.responded) this.#next(ex);
        if (this.#closing) break;
        if (this.#conn.bufferedAmount >= BLOCKED_AT && at < buf.byteLength) {
          // The client is not reading our answers: stop answering until it does.
          this.#blocked = true;
          this.#pending.push(buf.subarray(at));
          this.#conn.pause();
          break;
        }
      }
    } finally {
      this.#running = false;
      const ms = this.#armMs;
      if (ms >= 0) {
        this.#armMs = -1;
        if (!this.#upgraded) this.#armNow(ms);
      }
      loopOut.flushTo(this.#conn);
    }
  }

  #busy(): boolean {
    const ex = this.exchange;
    return this.#blocked || (ex !== undefined && ex.complete && !ex.responded);
  }

  #dispatch(ex: Exchange): void {
    ex.dispatched = true;
    const core = this.#core;
    if (!ex.hasUrl()) {
      // A target or Host that makes no URL (U5): the request is malformed, not the server.
      core.count("TRI_ERR_HTTP_PARSE");
      this.#fail(400);
      return;
    }
    core.stats.requests++;
    let res: ReturnType<HttpServerCore["fetch"]>;
    const request = requestFor(ex, core.lazyRequests);
    ex.request = request;
    const watchdog = core.watchdog;
    if (watchdog !== undefined) {
      if (watchdog.overloaded) {
        // Shedding (WD5): answer at once instead of queueing behind a blocked loop.
        core.count("TRI_ERR_HTTP_OVERLOADED");
        this.#respond(ex, SHED(), request);
        return;
      }
      watchdog.enter(ex); // names this request if it holds the loop (WD2)
    }
    try {
      res = core.fetch(request, this.#info ??= core.info(this.#conn, (req, o) => this.#upgrade(req, o)));
    } catch (err) {
      this.#handlerFailed(ex, err, request);
      return;
    }
    if (res instanceof Promise || typeof (res as { then?: unknown })?.then === "function") {
      (res as Promise<Response>).then(
        (r) => this.#respondLater(ex, r, request, false),
        (err) => this.#respondLater(ex, undefined, request, true, err),
      );
      return;
    }
    this.#respond(ex, res as Response, request);
  }

  #respondLater(
    ex: Exchange,
    res: Response | undefined,
    request: Request,
    rejected: boolean,
    err?: unknown,
  ): void {
    if (this.#conn.readyState === "closed") return;
    if (ex.upgrade !== undefined) {
      this.#switchToWebSocket(ex);
      return;
    }
    if (rejected) this.#handlerFailed(ex, err, request);
    else this.#respond(ex, res as Response, request);
    if (!this.#running) {
      loopOut.flushTo(this.#conn);
      if (ex.responded && ex.complete) this.#continue(ex);
    }
  }

  /** `server.upgrade(request, options)` from the handler (WS1). */
  #upgrade(request: Request, options: UpgradeOptions<unknown> | undefined): boolean {
    const ws = this.#core.ws;
    const ex = this.exchange;
    if (ex === undefined || ex.request !== request || ex.headSent || ex.upgrade) {
      return false;
    }
    if (!ex.complete) return false; // an upgrade request has no body
    const target = ex.head.target;
    const q = target.indexOf("?");
    const up = ws.prepare(
      ex.method,
      ex.head.versionMinor,
      request.headers,
      q < 0 ? target : target.slice(0, q),
      options,
    );
    if (up === null) return false;
    if (up === 426) {
      ex.badVersion = true;
      return false;
    }
    ex.upgrade = up;
    return true;
  }

  /** Writes the 101 and gives the connection to its WebSocket. */
  #switchToWebSocket(ex: Exchange): void {
    const ws = this.#core.ws;
    const up = ex.upgrade!;
    ex.headSent = true;
    ex.responded = true;
    this.#core.countStatus(101);
    this.#upgraded = true;
    this.#disarm();
    const conn = this.#conn;
    loopOut.flushTo(conn);
    conn.write(up.head);
    const { ws: socket, state } = ws.accept(conn as Conn<unknown>, up);
    this.#ws = { start: () => socket.start(), state };
    (conn as Conn<unknown>).state = state;
    if (!this.#running) this.#handOver();
  }

  /** After the 101: the socket starts, then reads what came after the request. */
  #handOver(): void {
    const ws = this.#ws;
    if (ws === undefined) return;
    this.#ws = undefined;
    const pending = this.#pending;
    this.#pending = [];
    this.exchange = undefined;
    ws.start();
    for (const b of pending) ws.state.data(b);
    this.#conn.resume();
  }

  #handlerFailed(ex: Exchange, err: unknown, request: Request): void {
    this.#core.count("TRI_ERR_HANDLER_THREW");
    try {
      this.#core.onError(err, request);
    } catch {
      // onError itself threw; the 500 still goes out
    }
    if (ex.headSent) {
      this.#conn.close();
      return;
    }
    this.#writeStatus(ex, 500);
  }

  #respond(ex: Exchange, res: Response, request: Request): void {
    if (ex.upgrade !== undefined) {
      // WS1: whatever the handler returned, the 101 goes out.
      this.#switchToWebSocket(ex);
      return;
    }
    if (ex.badVersion) {
      // RFC 6455 §4.4: a version the server does not speak is answered with
      // the versions it does, whatever the handler made of the failed upgrade.
      res = new Response("Upgrade Required", { status: 426, headers: { "sec-websocket-version": "13" } });
    }
    // A light response is one by construction: no walk through Response's
    // custom instanceof for the common answer.
    if (!LightResponse.isLight(res) && !(res instanceof Response)) {
      this.#handlerFailed(ex, new TypeError(`The handler returned ${String(res)}, not a Response`), request);
      return;
    }
    let r: Resolved;
    try {
      r = resolveResponse(res);
    } catch (err) {
      this.#handlerFailed(ex, err, request);
      return;
    }
    if (r.fields.close) ex.closeAfter = true;
    const head = ex.head;
    const isHead = ex.method === "HEAD";
    const http10 = head.versionMinor === 0;
    const noBody = isHead || bodyless(r.status);
    this.#core.countStatus(r.status);
    const text = r.text;
    if (text !== null) {
      // At most 3 UTF-8 bytes per UTF-16 unit: a short text is small without counting.
      if (text.length * 3 < DIRECT_BELOW || utf8Length(text) < DIRECT_BELOW) {
        // The common case: a small string body, encoded once, straight into
        // the out buffer (no array per response).
        writeTextResponse(loopOut, r, !ex.closeAfter, http10, text, noBody);
        ex.headSent = true;
        this.#done(ex);
        return;
      }
      r.bytes = ENCODER.encode(text);
    }
    if (r.stream === null) {
      const bytes = r.bytes;
      let length = bytes === null ? 0 : bytes.byteLength;
      // HEAD (H7): the length of the body a GET would carry, if known; a
      // null body (frameworks strip it) says nothing, unless declared.
      if (isHead && bytes === null) length = r.fields.declaredLength >= 0 ? r.fields.declaredLength : -3;
      writeHead(loopOut, r, length, !ex.closeAfter, http10);
      ex.headSent = true;
      if (!noBody && bytes !== null && length > 0) {
        if (length < DIRECT_BELOW) loopOut.bytes(bytes);
        else {
          loopOut.flushTo(this.#conn);
          if (length > SLICE) {
            this.#pumpBytes(ex, bytes);
            return;
          }
          this.#conn.write(bytes);
        }
      }
      this.#done(ex);
      return;
    }
    if (noBody) {
      r.stream.cancel().catch(() => {});
      writeHead(loopOut, r, isHead ? r.fields.declaredLength : 0, !ex.closeAfter, http10);
      ex.headSent = true;
      this.#done(ex);
      return;
    }
    // A stream: chunked unless the handler declared a length. HTTP/1.0 has
    // no chunked coding, so there the body ends with the connection.
    const length = r.fields.declaredLength;
    if (length < 0 && http10) ex.closeAfter = true;
    writeHead(loopOut, r, http10 && length < 0 ? -2 : length, !ex.closeAfter, http10);
    ex.headSent = true;
    loopOut.flushTo(this.#conn);
    this.#pump(ex, r.stream, length >= 0 ? length : http10 ? -2 : -1);
  }

  /** Sends a stream body, paced by drain (H8). `length` -1 chunked, -2 raw until close. */
  async #pump(ex: Exchange, stream: ReadableStream<Uint8Array>, length: number): Promise<void> {
    const conn = this.#conn;
    const reader = stream.getReader();
    let sent = 0;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (conn.readyState === "closed") {
          reader.cancel().catch(() => {});
          return;
        }
        if (done) break;
        if (!(value instanceof Uint8Array)) {
          throw new TypeError("A response stream must yield Uint8Array chunks");
        }
        if (value.byteLength === 0) continue;
        sent += value.byteLength;
        if (length >= 0 && sent > length) {
          throw new RangeError(`The body passed its content-length ${length}`);
        }
        let ok: boolean;
        if (length === -1) {
          loopOut.text(value.byteLength.toString(16) + CRLF);
          loopOut.flushTo(conn);
          conn.write(value);
          ok = conn.write(CRLF);
        } else {
          ok = conn.write(value);
        }
        if (!ok) await new Promise<void>((r) => (this.#drainWaiter = r));
      }
      if (length >= 0 && sent !== length) {
        throw new RangeError(`The body ended at ${sent} of ${length} bytes`);
      }
      if (length === -1) conn.write(LAST_CHUNK);
    } catch (err) {
      // Mid-body there is no status left to send: the connection is the signal.
      reader.cancel(err).catch(() => {});
      if (conn.readyState !== "closed") {
        this.#core.count("TRI_ERR_HTTP_STREAM");
        this.#core.onError(err, ex.request);
        conn.close();
      }
      return;
    }
    if (length === -2) ex.closeAfter = true;
    this.#done(ex);
    if (!this.#running && ex.complete) this.#continue(ex);
  }

  /** Sends a large fixed body in slices, paced by drain (the write cap bounds memory). */
  async #pumpBytes(ex: Exchange, bytes: Uint8Array): Promise<void> {
    const conn = this.#conn;
    for (let at = 0; at < bytes.byteLength; at += SLICE) {
      if (conn.readyState === "closed") return;
      if (!conn.write(bytes.subarray(at, at + SLICE))) {
        await new Promise<void>((r) => (this.#drainWaiter = r));
      }
    }
    if (conn.readyState === "closed") return;
    this.#done(ex);
    if (!this.#running && ex.complete) this.#continue(ex);
  }

  /** The response is completely queued. */
  #done(ex: Exchange): void {
    ex.responded = true;
    this.#core.completed++;
    if (!ex.complete) {
      // Answered before the body was read: drop the rest of it (or, for a
      // response that closes, stop here).
      ex.discardBody();
      if (this.#bodyPaused) this.resumeBody();
    }
    if (ex.closeAfter) {
      this.#closing = true;
      this.#pending = [];
      this.#disarm();
      loopOut.flushTo(this.#conn);
      this.#conn.end();
    }
  }

  /** After a complete exchange, inside #run: ready for the next request. */
  #next(ex: Exchange): void {
    if (this.exchange === ex) this.exchange = undefined;
    if (this.#closing) return;
    if (this.#core.closing) {
      // A keep-alive response went out before the close began: end now.
      this.#closing = true;
      this.#conn.end();
      return;
    }
    this.#arm(WAIT_IDLE, this.#core.limits.keepAliveTimeoutMs);
  }

  /** After a complete exchange answered asynchronously: go on with held input. */
  #continue(ex: Exchange): void {
    this.#next(ex);
    this.#continuePending();
  }

  /** Runs the input held while busy, then reads again. */
  #continuePending(): void {
    if (this.#closing) return;
    while (this.#pending.length > 0 && !this.#busy() && !this.#closing) {
      const next = this.#pending.shift()!;
      this.#run(next, 0);
    }
    if (this.#busy() || this.#closing) return;
    if (this.#peerEnded) {
      this.#conn.end();
      return;
    }
    if (!this.#bodyPaused) this.#conn.resume();
  }

  #parseError(err: HttpParseError): void {
    this.#core.count(err.code);
    this.exchange?.abort();
    if (this.exchange?.headSent) {
      this.#conn.close();
      return;
    }
    this.#fail(err.status || 400);
  }

  /** Answers `status` and closes (H2, H3). */
  #fail(status: number): void {
    const ex = this.exchange;
    if (ex !== undefined && ex.dispatched && !ex.responded) ex.responded = true;
    this.#closing = true;
    this.#pending = [];
    this.#disarm();
    this.#core.countStatus(status);
    writeErrorResponse(loopOut, status);
    loopOut.flushTo(this.#conn);
    this.#conn.end();
  }

  #writeStatus(ex: Exchange, status: number): void {
    ex.closeAfter ||= !ex.complete;
    this.#respond(
      ex,
      new Response(`${status === 500 ? "Internal Server Error" : status}`, { status }),
      undefined!,
    );
  }

  /**
   * Waits for `wait`, timed out after `ms` (none when `ms` <= 0). Inside
   * #run the timer is armed once, when the run ends, with the last wait set:
   * a batch of pipelined requests would otherwise arm it twice a request
   * (head, then idle) for nothing. The sweeper counts time from its next
   * sweep, not from the call, so arming at the end of the run changes no
   * deadline.
   */
  #arm(wait: number, ms: number): void {
    this.#wait = wait;
    if (this.#running) this.#armMs = ms;
    else this.#armNow(ms);
  }

  #armNow(ms: number): void {
    if (ms <= 0) {
      this.#disarm();
      return;
    }
    this.idleMs = ms;
    loopSweeper.arm(this);
  }

  #disarm(): void {
    this.#armMs = -1;
    loopSweeper.disarm(this);
  }

  #newParser(): Http1Parser<HttpConn> {
    const l = this.#core.limits;
    const p = new Http1Parser(parserHandler, {
      maxHeaderBytes: l.maxHeaderBytes,
      maxUriBytes: l.maxUriBytes,
      maxHeaders: l.maxHeaderCount,
      maxBodyBytes: l.maxBodyBytes,
    });
    p.data = this;
    return p;
  }
}
