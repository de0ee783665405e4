/**
 * WebSockets of the native engine on Node.js: node:http's `'upgrade'` event
 * (https://nodejs.org/api/http.html#event-upgrade), then the kernel's own
 * WebSocket (core/ws) on the socket node:http hands over, made a core
 * {@link Connection} as node:net's sockets are (listen.ts). So a native
 * server on Node speaks exactly as the kernel engine does, frame for frame.
 *
 * @module
 */

import type { ProxiedAddresses } from "../../core/proxy/gate.ts";
import type { IncomingMessage } from "node:http";
import type { Socket } from "node:net";
import { ConnContext, type Connection } from "../../core/connection.ts";
import { joinLoopTopics, type TopicLink } from "../../core/loops/context.ts";
import type { Adapter, ServerStats } from "../../core/types.ts";
import type { ResolvedServeOptions } from "../../core/server/serve.ts";
import type { ConnEvents } from "../../core/ws/connection.ts";
import { type PendingUpgrade, upgradedSockets, WsServer } from "../../core/ws/server.ts";
import { deliverHere, publishFromServer } from "../../core/ws/topics.ts";
import type { UpgradeOptions, WebSocketHandler, WsData } from "../../core/ws/types.ts";
import type { WsMethods } from "../_native.ts";
import { reportWsError, type WsWatchdog, wsWatchdog } from "../_native-ws.ts";
import { attach } from "./listen.ts";

/** What became of one `'upgrade'` request: the 101 to send, or 426 to answer. */
interface Slot {
  req: IncomingMessage;
  path: string;
  up: PendingUpgrade | 426 | undefined;
}

/** The WebSockets of one node:http server. */
export class NodeWebSockets implements WsMethods {
  readonly #server: WsServer;
  readonly #ctx: ConnContext<ConnEvents>;
  /** Requests made from `'upgrade'` events, while their handler runs. */
  readonly #slots = new WeakMap<Request, Slot>();
  readonly #watchdog: WsWatchdog;
  #link: TopicLink | undefined;

  constructor(runtime: Adapter, options: ResolvedServeOptions) {
    // Always there: an upgrade may bring its own handlers (triloop/hono) when the server has none.
    this.#watchdog = wsWatchdog(options);
    this.#server = new WsServer(options.websocket ?? ({} as WebSocketHandler<unknown>), runtime.ws, {
      onError: (err) => reportWsError(options, err),
      enter: (label) => this.#watchdog.enter(label),
    });
    // An upgraded socket may hold its whole backpressure limit (C3 would close it first).
    this.#ctx = new ConnContext(upgradedSockets, {
      maxBufferedBytes: Math.max(4 * 1024 * 1024, this.#server.maxBufferedBytes),
    });
  }

  /** WS8: joins this server's twins on the other loops, once it listens on `port`. */
  listening(port: number): void {
    const hub = this.#server.ctx.hub;
    this.#link = joinLoopTopics(port, (topic, binary, payload) => deliverHere(hub, topic, binary, payload));
    hub.relay = this.#link;
  }

  /** `request` came from an `'upgrade'` event: the handler may upgrade it. */
  offer(request: Request, req: IncomingMessage): void {
    const target = req.url ?? "/";
    const q = target.indexOf("?");
    this.#slots.set(request, { req, path: q < 0 ? target : target.slice(0, q), up: undefined });
  }

  /** `server.upgrade(request, options)` (WS1). */
  upgrade(request: Request, options?: UpgradeOptions<unknown>): boolean {
    const slot = this.#slots.get(request);
    if (slot === undefined || slot.up !== undefined) return false;
    const { req } = slot;
    const up = this.#server.prepare(
      req.method ?? "GET",
      req.httpVersionMinor,
      request.headers,
      slot.path,
      options,
    );
    if (up === null) return false;
    slot.up = up;
    return up !== 426;
  }

  /** After the handler: "upgraded", "426" (WH1), or "no" (its response goes out). */
  outcome(request: Request): "upgraded" | "426" | "no" {
    const up = this.#slots.get(request)?.up;
    return up === undefined ? "no" : up === 426 ? "426" : "upgraded";
  }

  /**
   * Writes the 101 and hands `socket` to its WebSocket; `head` is what came
   * after the request, `proxied` what the socket's PROXY header said (PX3).
   */
  accept(request: Request, socket: Socket, head: Uint8Array, proxied?: ProxiedAddresses): void {
    const up = this.#slots.get(request)!.up as PendingUpgrade;
    this.#slots.delete(request);
    // node:http may have left its keep-alive timer on the socket; the WebSocket keeps its own (WS7).
    socket.setTimeout(0);
    const conn = attach(socket, this.#ctx, proxied);
    const { ws, state } = this.#server.accept(conn as Connection<unknown>, up);
    conn.state = state;
    conn.write(up.head);
    ws.start();
    if (head.byteLength > 0) conn.onData(head);
  }

  publish(topic: string, data: WsData): number {
    return publishFromServer(this.#server.ctx.hub, topic, data);
  }

  subscriberCount(topic: string): number {
    return this.#server.ctx.hub.count(topic);
  }

  /** WS9: 1001 to every socket; each closes by its own handshake (or its 5 s wait). */
  shutdown(): void {
    this.#link?.leave();
    for (const conn of this.#ctx.conns) conn.onStop();
  }

  /** The server is gone. */
  stop(): void {
    this.#watchdog.stop();
  }

  /** Sockets open now. */
  get open(): number {
    return this.#server.ctx.stats.open;
  }

  /** Adds the WebSocket counters to a server's, once any socket opened. */
  addStats(s: ServerStats): ServerStats {
    const ws = this.#server.ctx.stats;
    if (ws.opened > 0) s.websockets = { ...ws };
    return s;
  }
}
