/**
 * WebSockets of the native engine on Bun: Bun.serve's own `websocket`
 * (https://bun.sh/docs/api/websockets). Bun's socket already is the API, so
 * each one is wrapped only to count (_native-ws.ts), to run the upgrade's
 * own handlers (triloop/hono), and to carry publishes to the other loops.
 * The options go to Bun by the names Bun gives them.
 *
 * @module
 */

/// <reference path="./_bun.d.ts" />

import type { ResolvedServeOptions } from "../../core/server/serve.ts";
import { CloseCode } from "../../core/ws/codes.ts";
import { bytesOf } from "../../core/ws/topics.ts";
import type { ServerWebSocket, UpgradeOptions, WebSocketHandler, WsData } from "../../core/ws/types.ts";
import { NativeSocket, type NativeUpgrade, NativeWsServer, sizeOf } from "../_native-ws.ts";

/** The `websocket` options Bun.serve takes under the same names. */
const BUN_OPTIONS = [
  "maxPayloadLength",
  "idleTimeout",
  "backpressureLimit",
  "closeOnBackpressureLimit",
  "perMessageDeflate",
  "publishToSelf",
  "sendPings",
] as const satisfies ReadonlyArray<keyof WebSocketHandler>;

const decoder = new TextDecoder();

/** One of Bun's sockets as the handlers see it; Bun's `ws.data` is this. */
export class BunSocket<D = unknown> extends NativeSocket<D> {
  #ws!: BunShim.ServerWebSocket<BunSocket<D>>;
  #topics: Set<string> | undefined;
  /** The fetch handler returned (Bun opens the socket inside `server.upgrade`, before that). */
  #started = false;
  #open = false;
  /** Messages that came before `open` ran. */
  #early: Array<string | Uint8Array | ArrayBuffer> | undefined;

  /** Bun opened the socket. */
  open(ws: BunShim.ServerWebSocket<BunSocket<D>>): void {
    this.#ws = ws;
    if (this.#started) this.#opened();
  }

  /** The fetch handler returned: `open` runs now, as on the kernel engine (WS1). */
  start(): void {
    this.#started = true;
    if (this.#ws !== undefined) this.#opened();
  }

  #opened(): void {
    if (this.#open) return;
    this.#open = true;
    this.opened();
    const early = this.#early;
    this.#early = undefined;
    if (early !== undefined) { for (const m of early) this.received(m); }
  }

  message(msg: string | Uint8Array | ArrayBuffer): void {
    if (this.#open) this.received(msg);
    else (this.#early ??= []).push(msg);
  }

  drain(): void {
    this.drained();
  }

  ping(data: WsData = ""): number {
    return this.#ws.ping(control(data));
  }

  pong(data: WsData = ""): number {
    return this.#ws.pong(control(data));
  }

  onPing(data: Uint8Array): void {
    this.pinged(data);
  }

  onPong(data: Uint8Array): void {
    this.ponged(data);
  }

  onClose(code: number, reason: string): void {
    this.#opened();
    this.#topics = undefined;
    this.closed(code, reason);
  }

  get readyState(): 0 | 1 | 2 | 3 {
    return this.#ws.readyState;
  }

  get remoteAddress(): string {
    return this.#ws.remoteAddress;
  }

  get binaryType(): ServerWebSocket["binaryType"] {
    return this.#ws.binaryType;
  }

  set binaryType(type: ServerWebSocket["binaryType"]) {
    this.#ws.binaryType = type;
  }

  get subscriptions(): string[] {
    return this.#topics === undefined ? [] : [...this.#topics];
  }

  protected write(data: WsData, compress = this.server.options.compressByDefault): number {
    const ws = this.#ws;
    const ret = typeof data === "string" ? ws.sendText(data, compress) : ws.sendBinary(data, compress);
    // Bun's own closeOnBackpressureLimit ends the socket later and tells the handler 1006: closed
    // here at the dropping send, the handler gets 1008 as the contract says (WS3).
    if (
      ret === 0 && ws.readyState === 1 && sizeOf(data) > 0 && this.server.options.closeOnBackpressureLimit
    ) {
      ws.close(CloseCode.POLICY_VIOLATION, "backpressure limit");
    }
    return ret;
  }

  close(code?: number, reason?: string): void {
    this.#ws.close(code, reason);
  }

  terminate(): void {
    this.#ws.terminate();
  }

  subscribe(topic: string): void {
    if (this.finished) return;
    this.#ws.subscribe(topic);
    (this.#topics ??= new Set()).add(topic);
  }

  unsubscribe(topic: string): void {
    if (this.#topics?.delete(topic)) this.#ws.unsubscribe(topic);
  }

  isSubscribed(topic: string): boolean {
    return this.#topics?.has(topic) ?? false;
  }

  publish(topic: string, data: WsData, compress?: boolean): number {
    const server = this.server as BunWebSockets;
    const self = this.isSubscribed(topic) && !server.options.publishToSelf ? 1 : 0;
    const receivers = server.count(topic) - self;
    const sent = this.#ws.publish(topic, data, compress);
    server.published(receivers, sizeOf(data));
    server.forward(topic, typeof data !== "string", bytesOf(data));
    return sent;
  }

  cork<T>(callback: (ws: ServerWebSocket<D>) => T): T {
    return this.#ws.cork(() => callback(this));
  }

  getBufferedAmount(): number {
    return this.#ws.getBufferedAmount();
  }
}

/** A ping's or pong's payload: at most 125 bytes (a RangeError past it, WS10). */
function control(data: WsData): WsData {
  const size = sizeOf(data);
  if (size > 125) throw new RangeError(`A ping or pong payload must be at most 125 bytes, got ${size}`);
  return data;
}

/** The WebSockets of one Bun.serve server. */
export class BunWebSockets extends NativeWsServer {
  #server: BunShim.HttpServer | undefined;

  constructor(options: ResolvedServeOptions) {
    super(options);
  }

  /** Bun.serve's `websocket`: Bun's options, and every event handed to the socket's wrapper. */
  bunHandler(): BunShim.WebSocketHandler<BunSocket> {
    const given: Record<string, unknown> = {};
    for (const name of BUN_OPTIONS) {
      if (this.handler[name] !== undefined) given[name] = this.handler[name];
    }
    return {
      ...given,
      open: (ws) => ws.data.open(ws),
      message: (ws, msg) => ws.data.message(msg),
      drain: (ws) => ws.data.drain(),
      ping: (ws, data) => ws.data.onPing(data),
      pong: (ws, data) => ws.data.onPong(data),
      close: (ws, code, reason) => ws.data.onClose(code, reason),
    };
  }

  /** The server is listening on `port`: publishes from the other loops reach its topics. */
  listen(server: BunShim.HttpServer): void {
    this.#server = server;
    this.listening(server.port, (topic, binary, payload) => {
      this.published(server.subscriberCount(topic), payload.length);
      server.publish(topic, binary ? payload : decoder.decode(payload));
    });
  }

  /**
   * `server.upgrade` (WS1): true when Bun upgraded `request`; 426 when its
   * version is not 13 (WH1), which the engine answers in the handler's place.
   */
  upgrade(request: Request, options?: UpgradeOptions<unknown>): BunSocket | 426 | undefined {
    const up: NativeUpgrade | 426 | null = this.prepare(request, options);
    if (up === null || up === 426) return up ?? undefined;
    const headers = new Headers(up.fields);
    if (up.protocol !== "") headers.set("sec-websocket-protocol", up.protocol);
    // Bun answers with the first subprotocol offered when the handler names none it offered:
    // ws.protocol tells what went out.
    const first = request.headers.get("sec-websocket-protocol")?.split(",")[0].trim() ?? "";
    const socket = new BunSocket(this, up.protocol === "" ? { ...up, protocol: first } : up);
    return this.#server!.upgrade(request, { data: socket, headers }) ? socket : undefined;
  }

  publish(topic: string, data: WsData, compress?: boolean): number {
    const server = this.#server!;
    this.published(server.subscriberCount(topic), sizeOf(data));
    const sent = server.publish(topic, data, compress);
    this.forward(topic, typeof data !== "string", bytesOf(data));
    return sent;
  }

  count(topic: string): number {
    return this.#server?.subscriberCount(topic) ?? 0;
  }
}
