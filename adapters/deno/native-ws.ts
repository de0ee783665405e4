/**
 * WebSockets of the native engine on Deno: `Deno.upgradeWebSocket`
 * (https://docs.deno.com/api/deno/~/Deno.upgradeWebSocket), whose socket is
 * the browser's `WebSocket`, made Bun's `ServerWebSocket` (_native-ws.ts):
 * send's return values from `bufferedAmount` (and `drain` when it falls),
 * topics in a {@link TopicHub} relayed to the other loops, the message
 * limit, and idle sockets pinged by Deno's own `idleTimeout`. What Deno's
 * socket cannot do (permessage-deflate, denoland/deno#7681; sending or
 * seeing pings and pongs; pausing reads; ending without a close handshake)
 * is data in tests/conformance/skips.ts.
 *
 * @module
 */

import type { ResolvedServeOptions } from "../../core/server/serve.ts";
import { CloseCode } from "../../core/ws/codes.ts";
import { bytesOf, TopicHub } from "../../core/ws/topics.ts";
import type { ServerWebSocket, UpgradeOptions, WsData, WsMessage, WsRuntime } from "../../core/ws/types.ts";
import type { WsMethods } from "../_native.ts";
import { NativeSocket, type NativeUpgrade, NativeWsServer, sizeOf } from "../_native-ws.ts";

/** Bytes waiting past which `send` returns -1 and `drain` follows (the kernel's listeners use the same). */
const HIGH_WATER = 64 * 1024;
/** How often a socket behind backpressure looks at its `bufferedAmount` (Deno has no drain event). */
const DRAIN_POLL_MS = 5;

const decoder = new TextDecoder();

/** One of Deno's sockets as the handlers see it. */
class DenoSocket<D = unknown> extends NativeSocket<D> {
  readonly remoteAddress: string;
  binaryType: ServerWebSocket["binaryType"] = "nodebuffer";
  readonly #socket: WebSocket;
  readonly #hub: TopicHub<DenoSocket<unknown>>;
  readonly #toBuffer: (bytes: Uint8Array) => Uint8Array;
  #topics: Set<string> | undefined;
  #drainTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(server: DenoWebSockets, up: NativeUpgrade, socket: WebSocket, remote: string, rt: WsRuntime) {
    super(server, up);
    this.remoteAddress = remote;
    this.#socket = socket;
    this.#hub = server.hub;
    this.#toBuffer = rt.toBuffer;
    socket.binaryType = "arraybuffer";
    socket.onopen = () => this.opened();
    socket.onmessage = (e: MessageEvent) => this.#message(e.data as string | ArrayBuffer);
    // Deno tells a connection that ended without a close frame as code 0; the contract says 1006 (WS6).
    socket.onclose = (e: CloseEvent) => this.#closed(e.code === 0 ? CloseCode.ABNORMAL : e.code, e.reason);
    // A failed socket closes next (onclose tells the code); nothing to report twice.
    socket.onerror = () => {};
  }

  get readyState(): 0 | 1 | 2 | 3 {
    return this.#socket.readyState as 0 | 1 | 2 | 3;
  }

  get subscriptions(): string[] {
    return this.#topics === undefined ? [] : [...this.#topics];
  }

  /** WS3 over `bufferedAmount`: Deno writes asynchronously, so a send always queues a little. */
  protected write(data: WsData, _compress: boolean | undefined): number {
    if (this.#socket.readyState !== WebSocket.OPEN) return 0;
    const size = sizeOf(data);
    const opts = this.server.options;
    if (this.#socket.bufferedAmount + size > opts.backpressureLimit) {
      if (opts.closeOnBackpressureLimit) this.close(CloseCode.POLICY_VIOLATION, "backpressure limit");
      return 0;
    }
    this.#socket.send(
      typeof data === "string" || data instanceof ArrayBuffer
        ? data
        : bytesOf(data) as Uint8Array<ArrayBuffer>,
    );
    if (this.#socket.bufferedAmount <= HIGH_WATER) return size;
    this.#drainTimer ??= setTimeout(() => this.#drainCheck(), DRAIN_POLL_MS);
    return -1;
  }

  close(code: number = CloseCode.NORMAL, reason = ""): void {
    if (this.#socket.readyState !== WebSocket.OPEN) return;
    this.#socket.close(code, reason);
  }

  /** Deno's socket has no abort: the nearest is a close the peer need not answer. */
  terminate(): void {
    this.close(CloseCode.NORMAL, "");
  }

  /** Deno's socket sends no ping of the handler's (its own keep the idle check, WS7): nothing goes out. */
  ping(data: WsData = ""): number {
    control(data);
    return 0;
  }

  pong(data: WsData = ""): number {
    control(data);
    return 0;
  }

  subscribe(topic: string): void {
    if (this.finished) return;
    (this.#topics ??= new Set()).add(topic);
    this.#hub.subscribe(topic, this as DenoSocket<unknown>);
  }

  unsubscribe(topic: string): void {
    if (this.#topics?.delete(topic)) this.#hub.unsubscribe(topic, this as DenoSocket<unknown>);
  }

  isSubscribed(topic: string): boolean {
    return this.#topics?.has(topic) ?? false;
  }

  publish(topic: string, data: WsData, _compress?: boolean): number {
    const server = this.server as DenoWebSockets;
    const sent = server.deliver(topic, data, server.options.publishToSelf ? undefined : this);
    server.forward(topic, typeof data !== "string", bytesOf(data));
    return sent;
  }

  cork<T>(callback: (ws: ServerWebSocket<D>) => T): T {
    return callback(this);
  }

  getBufferedAmount(): number {
    return this.#socket.bufferedAmount;
  }

  #message(data: string | ArrayBuffer): void {
    const max = this.server.options.maxPayloadLength;
    // Deno hands over a message whole: the limit (WS5) is checked then, not while it arrives.
    const size = typeof data === "string" ? (data.length > max / 3 ? sizeOf(data) : 0) : data.byteLength;
    if (size > max) {
      this.close(CloseCode.MESSAGE_TOO_BIG, "message too big");
      return;
    }
    let msg: WsMessage = data;
    if (typeof data !== "string") {
      if (this.binaryType === "nodebuffer") msg = this.#toBuffer(new Uint8Array(data));
      else if (this.binaryType === "uint8array") msg = new Uint8Array(data);
    }
    this.received(msg);
  }

  #closed(code: number, reason: string): void {
    clearTimeout(this.#drainTimer);
    if (this.#topics !== undefined) {
      for (const t of this.#topics) this.#hub.unsubscribe(t, this as DenoSocket<unknown>);
      this.#topics = undefined;
    }
    this.closed(code, reason);
  }

  #drainCheck(): void {
    this.#drainTimer = undefined;
    if (this.#socket.readyState !== WebSocket.OPEN) return;
    if (this.#socket.bufferedAmount > HIGH_WATER) {
      this.#drainTimer = setTimeout(() => this.#drainCheck(), DRAIN_POLL_MS);
      return;
    }
    this.drained();
  }
}

/** A ping's or pong's payload: at most 125 bytes (a RangeError past it, WS10). */
function control(data: WsData): void {
  const size = sizeOf(data);
  if (size > 125) throw new RangeError(`A ping or pong payload must be at most 125 bytes, got ${size}`);
}

/**
 * The WebSocket side of one request's ServeInfo: `upgrade` takes Deno's own
 * request (the handler holds a light one over it), and `outcome` tells the
 * engine what to answer: Deno's 101, or 426 (WH1).
 */
export class DenoRequestWs implements WsMethods {
  outcome: Response | 426 | undefined;
  readonly #ws: DenoWebSockets;
  readonly #original: Request;
  readonly #remote: string;
  constructor(ws: DenoWebSockets, original: Request, remote: string) {
    this.#ws = ws;
    this.#original = original;
    this.#remote = remote;
  }
  upgrade(_request: Request, options?: UpgradeOptions<unknown>): boolean {
    if (this.outcome instanceof Response) return false;
    const made = this.#ws.upgrade(this.#original, this.#remote, options);
    if (made !== null) this.outcome = made;
    return made instanceof Response;
  }
  publish(topic: string, data: WsData): number {
    return this.#ws.publish(topic, data);
  }
  subscriberCount(topic: string): number {
    return this.#ws.hub.count(topic);
  }
}

/** The WebSockets of one Deno.serve server. */
export class DenoWebSockets extends NativeWsServer {
  readonly hub = new TopicHub<DenoSocket<unknown>>();
  readonly #rt: WsRuntime;

  constructor(options: ResolvedServeOptions, rt: WsRuntime) {
    super(options);
    this.#rt = rt;
  }

  /** The server listens on `port`: publishes from the other loops reach its topics. */
  listen(port: number): void {
    this.listening(port, (topic, binary, payload) => {
      this.deliver(topic, binary ? payload : decoder.decode(payload), undefined);
    });
  }

  /** Makes one upgrade (WS1) of Deno's own `request`; null when it is none, 426 for another version (WH1). */
  upgrade(original: Request, remote: string, options?: UpgradeOptions<unknown>): Response | 426 | null {
    const up = this.prepare(original, options);
    if (up === null || up === 426) return up;
    const { sendPings, idleTimeoutMs } = this.options;
    const { socket, response } = Deno.upgradeWebSocket(original, {
      // Deno pings a socket silent for half of this and closes it when no pong comes in the other half (WS7).
      idleTimeout: sendPings ? (2 * idleTimeoutMs) / 1000 : 0,
    });
    // Set here, not as Deno's `protocol` option: Deno looks for it in the offer split at ", " only,
    // and throws on "a,b" (a valid list, and what the ws package sends).
    if (up.protocol !== "") response.headers.set("sec-websocket-protocol", up.protocol);
    for (const [name, value] of up.fields) response.headers.set(name, value);
    new DenoSocket(this, up, socket, remote, this.#rt);
    return response;
  }

  /** Sends to the topic's subscribers on this loop but `skip`; as Bun's publish, the bytes once. */
  deliver(topic: string, data: WsData, skip: DenoSocket<unknown> | undefined): number {
    let took = false;
    for (const s of this.hub.subscribers(topic) ?? []) {
      if (s !== skip && s.send(data) !== 0) took = true;
    }
    return took ? sizeOf(data) : 0;
  }

  publish(topic: string, data: WsData): number {
    const sent = this.deliver(topic, data, undefined);
    this.forward(topic, typeof data !== "string", bytesOf(data));
    return sent;
  }
}
