/**
 * One upgraded connection: the WebSocket state of a kernel {@link Conn}
 * (WS2–WS9 in core/ws/types.ts). It reads frames with {@link WsParser},
 * calls the entry's `websocket` handlers, writes server frames, and keeps
 * backpressure, limits, idle pings and the close handshake the same on
 * every runtime.
 *
 * @module
 */

import type { Conn } from "../types.ts";
import { CloseCode } from "./codes.ts";
import { closePayload, frame, headSizeOf, Opcode, textFrame } from "./frames.ts";
import { type Inflater, WsParser, type WsParserHandler } from "./parser.ts";
import type { Subscriber, TopicHub } from "./topics.ts";
import type { BinaryType, ServerWebSocket, WebSocketHandler, WsData, WsMessage, WsStats } from "./types.ts";

/** Compresses one message for permessage-deflate, context kept as agreed. */
export interface Deflater {
  /** The deflated message without its final `00 00 ff ff` (RFC 7692 §7.2.1). */
  deflate(message: Uint8Array): Uint8Array;
}

/** Options of a server's sockets, defaults filled in. */
export interface WsOptions {
  maxPayloadLength: number;
  idleTimeoutMs: number;
  backpressureLimit: number;
  closeOnBackpressureLimit: boolean;
  compressByDefault: boolean;
  publishToSelf: boolean;
  sendPings: boolean;
}

/** What every socket of one server shares. */
export interface WsServerContext {
  /** The server's `websocket` handlers (an upgrade may bring its own). */
  handler: WebSocketHandler<unknown>;
  options: WsOptions;
  hub: TopicHub;
  /** A runtime `Buffer` over the same bytes, for `binaryType: "nodebuffer"` (the adapter's). */
  toBuffer(bytes: Uint8Array): Uint8Array;
  /** Told of a handler throw (the socket closes with 1011). */
  onError(err: unknown): void;
  /** Names the code about to run, for the stall watchdog. */
  enter(label: string): void;
  stats: WsStats;
}

/** A fresh set of counters. */
export function wsStats(): WsStats {
  return {
    open: 0,
    opened: 0,
    closed: 0,
    messagesIn: 0,
    messagesOut: 0,
    bytesIn: 0,
    bytesOut: 0,
    backpressure: 0,
    dropped: 0,
  };
}

const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;
/** How long a close handshake may take before the socket is ended (WS6). */
const CLOSE_WAIT_MS = 5_000;
const encoder = new TextEncoder();

function bytesOf(data: WsData): Uint8Array {
  if (typeof data === "string") return encoder.encode(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** A WebSocket over a kernel connection. */
export class WsConnection<D = unknown> implements ServerWebSocket<D>, Subscriber {
  data: D;
  binaryType: BinaryType = "nodebuffer";
  readonly protocol: string;
  readonly remoteAddress: string;
  #conn: Conn<unknown>;
  #ctx: WsServerContext;
  /** The upgrade's own handlers, or the server's. */
  #handler: WebSocketHandler<D>;
  #parser: WsParser;
  #deflater: Deflater | undefined;
  #state = OPEN;
  #topics: Set<string> | undefined;
  #label: string;
  /** A `message` promise is pending: input waits (WS4). */
  #waiting = false;
  #held: Uint8Array[] = [];
  #wantDrain = false;
  #pinged = false;
  #closeTimer: ReturnType<typeof setTimeout> | undefined;
  #reported = false;
  #code: number = CloseCode.ABNORMAL;
  #reason = "";

  constructor(
    conn: Conn<unknown>,
    ctx: WsServerContext,
    init: {
      data: D;
      protocol: string;
      path: string;
      handler?: WebSocketHandler<D>;
      inflater?: Inflater;
      deflater?: Deflater;
    },
  ) {
    this.#conn = conn;
    this.#ctx = ctx;
    this.#handler = init.handler ?? (ctx.handler as WebSocketHandler<D>);
    this.data = init.data;
    this.protocol = init.protocol;
    this.remoteAddress = conn.remoteAddress;
    this.#deflater = init.deflater;
    this.#label = `WS ${init.path} message`;
    this.#parser = new WsParser(new PeerEvents(this), {
      maxPayloadLength: ctx.options.maxPayloadLength,
      inflater: init.inflater,
    });
  }

  /** Runs `open` and starts the idle clock; call once the 101 is written. */
  start(): void {
    const s = this.#ctx.stats;
    s.open++;
    s.opened++;
    if (this.#ctx.options.idleTimeoutMs > 0) this.#conn.setTimeout(this.#ctx.options.idleTimeoutMs);
    this.#call(() => this.#handler.open?.(this), false);
  }

  // ---- ServerWebSocket ------------------------------------------------------

  get readyState(): 0 | 1 | 2 | 3 {
    return this.#state as 1 | 2 | 3;
  }

  get subscriptions(): string[] {
    return this.#topics === undefined ? [] : [...this.#topics];
  }

  send(data: WsData, compress?: boolean): number {
    return typeof data === "string" ? this.sendText(data, compress) : this.sendBinary(data, compress);
  }

  sendText(data: string, compress?: boolean): number {
    if (this.#compress(compress)) {
      const bytes = encoder.encode(data);
      return this.sendFrame(this.#deflated(Opcode.TEXT, bytes), bytes.length);
    }
    const out = textFrame(data);
    return this.sendFrame(out, out.length - headSizeOf(out));
  }

  sendBinary(data: ArrayBuffer | ArrayBufferView, compress?: boolean): number {
    const bytes = bytesOf(data);
    return this.sendFrame(
      this.#compress(compress) ? this.#deflated(Opcode.BINARY, bytes) : frame(Opcode.BINARY, bytes),
      bytes.length,
    );
  }

  close(code: number = CloseCode.NORMAL, reason = ""): void {
    if (this.#state !== OPEN) return;
    this.#state = CLOSING;
    this.#code = code;
    this.#reason = reason;
    this.#conn.write(frame(Opcode.CLOSE, closePayload(code, reason)));
    // WS6: a peer that never answers does not hold the socket.
    this.#closeTimer = setTimeout(() => this.#conn.close(), CLOSE_WAIT_MS);
  }

  terminate(): void {
    this.#conn.close();
  }

  ping(data: WsData = ""): number {
    return this.#control(Opcode.PING, bytesOf(data));
  }

  pong(data: WsData = ""): number {
    return this.#control(Opcode.PONG, bytesOf(data));
  }

  subscribe(topic: string): void {
    if (this.#state === CLOSED) return;
    (this.#topics ??= new Set()).add(topic);
    this.#ctx.hub.subscribe(topic, this);
  }

  unsubscribe(topic: string): void {
    if (this.#topics?.delete(topic)) this.#ctx.hub.unsubscribe(topic, this);
  }

  isSubscribed(topic: string): boolean {
    return this.#topics?.has(topic) ?? false;
  }

  publish(topic: string, data: WsData, _compress?: boolean): number {
    const binary = typeof data !== "string";
    const bytes = bytesOf(data);
    // One frame for every subscriber: a compressed frame would depend on each
    // receiver's context, so published frames go uncompressed.
    const out = frame(binary ? Opcode.BINARY : Opcode.TEXT, bytes);
    const skip = this.#ctx.options.publishToSelf ? undefined : this;
    const sent = this.#ctx.hub.deliver(topic, out, bytes.length, skip);
    this.#ctx.hub.relay?.forward(topic, binary, bytes);
    return sent;
  }

  cork<T>(callback: (ws: ServerWebSocket<D>) => T): T {
    return callback(this);
  }

  getBufferedAmount(): number {
    return this.#conn.bufferedAmount;
  }

  // ---- Subscriber -------------------------------------------------------------

  /**
   * Writes a whole frame of a `size`-byte message (WS3). Returns what Bun's
   * `send` does: the message's bytes (so 0 for an empty one, which still
   * goes out), -1 when queued behind backpressure, 0 when dropped.
   */
  sendFrame(out: Uint8Array, size: number): number {
    if (this.#state !== OPEN) return 0;
    const stats = this.#ctx.stats;
    const opts = this.#ctx.options;
    if (this.#conn.bufferedAmount + out.length > opts.backpressureLimit) {
      stats.dropped++;
      if (opts.closeOnBackpressureLimit) this.close(CloseCode.POLICY_VIOLATION, "backpressure limit");
      return 0;
    }
    stats.messagesOut++;
    stats.bytesOut += out.length;
    if (this.#conn.write(out)) return size;
    stats.backpressure++;
    this.#wantDrain = true;
    return -1;
  }

  // ---- what the peer sent (through the parser) -------------------------------

  /** @internal */
  onMessage(data: string | Uint8Array): void {
    const stats = this.#ctx.stats;
    stats.messagesIn++;
    stats.bytesIn += typeof data === "string" ? data.length : data.byteLength;
    let msg: WsMessage = data;
    if (typeof data !== "string") {
      // The parser may hand on a view of the runtime's own chunk, a Buffer:
      // "uint8array" makes it a plain view, and "arraybuffer" copies just its
      // bytes (`slice` on a Buffer would make a view, not a copy).
      const type = this.binaryType;
      if (type === "nodebuffer") msg = this.#ctx.toBuffer(data);
      else if (type === "arraybuffer") {
        msg = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer;
      } else if (Object.getPrototypeOf(data) !== Uint8Array.prototype) {
        msg = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      }
    }
    this.#ctx.enter(this.#label);
    this.#call(() => this.#handler.message(this, msg), true);
  }

  /** @internal A ping: answered with a pong of the same payload (RFC 6455 §5.5.2). */
  onPing(payload: Uint8Array): void {
    this.#control(Opcode.PONG, payload);
    const h = this.#handler.ping;
    if (h !== undefined) this.#call(() => h.call(this.#handler, this, payload), false);
  }

  /** @internal */
  onPong(payload: Uint8Array): void {
    const h = this.#handler.pong;
    if (h !== undefined) this.#call(() => h.call(this.#handler, this, payload), false);
  }

  /** @internal The peer's close frame: answered (if we did not start), then the connection ends. */
  onClose(code: number, reason: string): void {
    this.#code = code;
    this.#reason = reason;
    if (this.#state === OPEN) {
      this.#state = CLOSING;
      // Echo the code (RFC 6455 §5.5.1); a close without one is answered without one.
      this.#conn.end(
        frame(Opcode.CLOSE, code === CloseCode.NO_STATUS ? new Uint8Array(0) : closePayload(code)),
      );
    } else this.#conn.end();
  }

  // ---- connection events (the kernel's socket handler, through connState) -----

  /** @internal Bytes from the peer. */
  input(bytes: Uint8Array): void {
    this.#pinged = false;
    if (this.#waiting) this.#held.push(bytes);
    else this.#read(bytes);
  }

  /** @internal The connection drained. */
  writable(): void {
    if (!this.#wantDrain || this.#state !== OPEN) return;
    this.#wantDrain = false;
    this.#call(() => this.#handler.drain?.(this), false);
  }

  /** @internal */
  peerEnded(): void {
    // The peer half-closed without (or after) a close frame: nothing more can come.
    this.#conn.end();
  }

  /** @internal The connection closed. */
  ended(): void {
    if (this.#closeTimer !== undefined) clearTimeout(this.#closeTimer);
    this.#state = CLOSED;
    if (this.#topics !== undefined) { for (const t of this.#topics) this.#ctx.hub.unsubscribe(t, this); }
    if (this.#reported) return;
    this.#reported = true;
    this.#ctx.stats.open--;
    this.#ctx.stats.closed++;
    this.#call(() => this.#handler.close?.(this, this.#code, this.#reason), false);
  }

  /** The idle timeout fired (WS7): ping a silent peer, then end it if it stays silent. */
  onIdle(): void {
    if (this.#state !== OPEN || !this.#ctx.options.sendPings || this.#pinged) {
      this.#conn.close();
      return;
    }
    this.#pinged = true;
    this.#control(Opcode.PING, new Uint8Array(0));
    this.#conn.setTimeout(this.#ctx.options.idleTimeoutMs);
  }

  /** A graceful stop (WS9): close with 1001. */
  shutdown(): void {
    this.close(CloseCode.GOING_AWAY, "server shutting down");
  }

  /** @internal For a graceful stop: a socket ends by its own close handshake. */
  get finished(): boolean {
    return this.#state === CLOSED;
  }

  // ---- inside -------------------------------------------------------------------

  /** Parses `bytes`; stops while a `message` promise is pending, keeping the rest (WS4). */
  #read(bytes: Uint8Array): void {
    const parser = this.#parser;
    const at = parser.execute(bytes);
    if (parser.error !== undefined) {
      const { code, reason } = parser.error;
      this.#code = code;
      this.#reason = reason;
      if (this.#state === OPEN) {
        this.#state = CLOSING;
        this.#conn.end(frame(Opcode.CLOSE, closePayload(code, reason.slice(0, 100))));
      }
      return;
    }
    if (at < bytes.length && !parser.done) this.#held.unshift(bytes.subarray(at));
  }

  #compress(asked: boolean | undefined): boolean {
    return this.#deflater !== undefined && (asked ?? this.#ctx.options.compressByDefault);
  }

  #deflated(opcode: number, bytes: Uint8Array): Uint8Array {
    return frame(opcode, this.#deflater!.deflate(bytes), true);
  }

  #control(opcode: number, bytes: Uint8Array): number {
    if (this.#state === CLOSED) return 0;
    if (bytes.length > 125) {
      throw new RangeError(`A ping or pong payload must be at most 125 bytes, got ${bytes.length}`);
    }
    this.#conn.write(frame(opcode, bytes));
    // As Bun: the payload's bytes (0 for an empty ping, which still goes out).
    return bytes.length;
  }

  /** Calls a handler; a throw or rejection closes this socket with 1011 (WS5). */
  #call(fn: () => void | Promise<void>, holdReads: boolean): void {
    let r: void | Promise<void>;
    try {
      r = fn();
    } catch (err) {
      this.#failed(err);
      return;
    }
    if (r === undefined || typeof (r as Promise<void>).then !== "function") return;
    if (holdReads) {
      this.#waiting = true;
      this.#parser.pause();
      this.#conn.pause();
    }
    (r as Promise<void>).then(
      () => holdReads && this.#release(),
      (err) => {
        this.#failed(err);
        if (holdReads) this.#release();
      },
    );
  }

  #failed(err: unknown): void {
    this.#ctx.onError(err);
    this.close(CloseCode.INTERNAL_ERROR, "handler error");
  }

  /** A pending `message` settled: read what waited, until another one waits. */
  #release(): void {
    this.#waiting = false;
    while (this.#held.length > 0 && !this.#waiting && this.#state !== CLOSED) {
      this.#read(this.#held.shift()!);
    }
    if (!this.#waiting && this.#state !== CLOSED) this.#conn.resume();
  }
}

/** What the kernel's socket handler calls on a connection's state (as on an HTTP connection). */
export interface ConnEvents {
  data(bytes: Uint8Array): void;
  drain(): void;
  end(): void;
  closed(): void;
  shutdown(): void;
  onIdle(): void;
  readonly idle: boolean;
}

/**
 * The connection state of an upgraded connection: the socket's events under
 * the kernel's names. A class, so an idle connection holds one small object
 * rather than a closure per event.
 */
class WsConnState implements ConnEvents {
  readonly #ws: WsConnection<unknown>;
  constructor(ws: WsConnection<unknown>) {
    this.#ws = ws;
  }
  data(bytes: Uint8Array): void {
    this.#ws.input(bytes);
  }
  drain(): void {
    this.#ws.writable();
  }
  end(): void {
    this.#ws.peerEnded();
  }
  closed(): void {
    this.#ws.ended();
  }
  shutdown(): void {
    this.#ws.shutdown();
  }
  onIdle(): void {
    this.#ws.onIdle();
  }
  get idle(): boolean {
    return this.#ws.finished;
  }
}

/** The connection state of an upgraded connection (see {@link WsConnState}). */
export function connState(ws: WsConnection<unknown>): ConnEvents {
  return new WsConnState(ws);
}

/** The parser's events, routed to the socket's `on*` methods (its own `close`/`ping` are the API's). */
class PeerEvents implements WsParserHandler {
  readonly #ws: WsConnection<unknown>;
  constructor(ws: WsConnection<unknown>) {
    this.#ws = ws;
  }
  message(data: string | Uint8Array): void {
    this.#ws.onMessage(data);
  }
  ping(payload: Uint8Array): void {
    this.#ws.onPing(payload);
  }
  pong(payload: Uint8Array): void {
    this.#ws.onPong(payload);
  }
  close(code: number, reason: string): void {
    this.#ws.onClose(code, reason);
  }
}
