/**
 * WebSockets of the native engines that have their own (Bun.serve's
 * `websocket`, `Deno.upgradeWebSocket`), made Bun's `ServerWebSocket` API
 * (core/ws/types.ts) the same way on both: the upgrade decision (WH1, WH3),
 * the handlers called as the kernel calls them (a throw closes the socket
 * with 1011, the watchdog names a stall in `message`, a pending `message`
 * holds the next one), the counters, and the relay of publishes to the
 * other loops (WS8). What each runtime's socket does itself is in its
 * adapter (bun/native-ws.ts, deno/native-ws.ts). Node's native engine runs
 * the kernel's own WebSocket on node:http's socket instead
 * (node/native-ws.ts).
 *
 * @module
 */

import { joinLoopTopics, type TopicLink, type TopicSink } from "../core/loops/context.ts";
import type { ServerStats, Watchdog } from "../core/types.ts";
import { startWatchdog } from "../core/watchdog.ts";
import type { ResolvedServeOptions } from "../core/server/serve.ts";
import { CloseCode } from "../core/ws/codes.ts";
import { type WsOptions, wsStats } from "../core/ws/connection.ts";
import { headSize } from "../core/ws/frames.ts";
import { checkUpgrade, handlerFields, resolveWsOptions } from "../core/ws/server.ts";
import type {
  ServerWebSocket,
  UpgradeOptions,
  WebSocketHandler,
  WsData,
  WsMessage,
} from "../core/ws/types.ts";

/** An upgrade the handler asked for and the request allows (WS1). */
export interface NativeUpgrade {
  handler: WebSocketHandler<unknown>;
  data: unknown;
  /** The subprotocol the handler named, if the client offered it (WH3); else "". */
  protocol: string;
  /** The handler's own fields of the 101, but those the server writes. */
  fields: Array<[string, string]>;
  /** The request's path, for the watchdog's label. */
  path: string;
}

/** Something that names the code about to run (the stall watchdog). */
export interface WsWatchdog {
  enter(label: string): void;
  stop(): void;
}

/**
 * The stall watchdog of a native server's WebSockets, started with the
 * first socket (a native server's HTTP requests run in the runtime's own
 * code, unlabelled): a `message` handler that holds the loop is named
 * `"WS <path> message"` as on the kernel engine.
 */
export function wsWatchdog(options: ResolvedServeOptions): WsWatchdog {
  let wd: Watchdog | undefined;
  return {
    enter(label) {
      if (options.watchdog === false) return;
      (wd ??= startWatchdog({ warmupMs: 2000, ...options.watchdog })).enter(label);
    },
    stop() {
      wd?.stop();
    },
  };
}

/** Reports a handler's error to the server's `onError`, which may throw too. */
export function reportWsError(options: ResolvedServeOptions, err: unknown): void {
  try {
    options.onError(err, new Request("http://unknown/"));
  } catch {
    // A throwing onError must not take the socket's neighbours with it.
  }
}

/** The WebSocket side of one native server on one loop. */
export class NativeWsServer {
  /** The server's `websocket` (an upgrade may bring its own handlers). */
  readonly handler: WebSocketHandler<unknown>;
  readonly options: WsOptions & { deflate: boolean };
  readonly stats = wsStats();
  readonly sockets = new Set<NativeSocket<unknown>>();
  readonly #serve: ResolvedServeOptions;
  readonly #watchdog: WsWatchdog;
  #link: TopicLink | undefined;

  constructor(serve: ResolvedServeOptions) {
    this.#serve = serve;
    this.handler = serve.websocket ?? ({} as WebSocketHandler<unknown>);
    this.options = resolveWsOptions(this.handler);
    this.#watchdog = wsWatchdog(serve);
  }

  /**
   * What `server.upgrade(request, options)` may make of `request`: 426 for
   * a version other than 13 (WH1), null when it is no upgrade or nobody
   * would take its messages, else the upgrade to make.
   */
  prepare(request: Request, options: UpgradeOptions<unknown> = {}): NativeUpgrade | 426 | null {
    const handler = options.handler ?? this.handler;
    // The runtimes' servers upgrade HTTP/1.1 requests only; they do not tell the minor version.
    const req = checkUpgrade(request.method, 1, request.headers, handler);
    if (req === null || req === 426) return req;
    const { protocol, fields } = handlerFields(req.protocols, options.headers);
    const url = request.url;
    const start = url.indexOf("/", url.indexOf("//") + 2);
    const q = url.indexOf("?", start);
    const path = start < 0 ? "/" : url.slice(start, q < 0 ? url.length : q);
    return { handler, data: options.data, protocol, fields, path };
  }

  /** WS8: joins this server's twins on the other loops; `sink` delivers their publishes here. */
  listening(port: number, sink: TopicSink): void {
    this.#link = joinLoopTopics(port, sink);
  }

  /** Carries a publish made here to the other loops. */
  forward(topic: string, binary: boolean, payload: Uint8Array): void {
    this.#link?.forward(topic, binary, payload);
  }

  enter(label: string): void {
    this.#watchdog.enter(label);
  }

  onError(err: unknown): void {
    reportWsError(this.#serve, err);
  }

  /** Counts `receivers` copies of a published `size`-byte message. */
  published(receivers: number, size: number): void {
    if (receivers <= 0) return;
    this.stats.messagesOut += receivers;
    this.stats.bytesOut += receivers * (size + headSize(size));
  }

  /**
   * WS9: sends 1001 to every socket; resolves once each has closed (by its
   * handshake, or by the runtime). The caller bounds the wait by the grace.
   */
  async shutdown(): Promise<void> {
    this.#link?.leave();
    this.#link = undefined;
    for (const s of this.sockets) s.close(CloseCode.GOING_AWAY, "server shutting down");
    while (this.sockets.size > 0) await new Promise((r) => setTimeout(r, 10));
  }

  /** The server is gone: nothing more is named. */
  stop(): void {
    this.#link?.leave();
    this.#watchdog.stop();
  }

  /** Adds the WebSocket counters to a server's, once any socket opened. */
  addStats(s: ServerStats): ServerStats {
    if (this.stats.opened > 0) s.websockets = { ...this.stats };
    return s;
  }
}

/** Bytes `data` takes as a message (UTF-8 for text). */
export function sizeOf(data: WsData): number {
  if (typeof data !== "string") return data.byteLength;
  let n = 0;
  for (let i = 0; i < data.length; i++) {
    const c = data.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c < 0xdc00 && i + 1 < data.length) {
      const d = data.charCodeAt(i + 1);
      if (d >= 0xdc00 && d < 0xe000) {
        n += 4;
        i++;
      } else n += 3;
    } else n += 3;
  }
  return n;
}

/**
 * A native engine's socket as Bun's `ServerWebSocket`: the runtime's own
 * socket below (the subclass), the user's handlers above. The subclass
 * calls `opened`, `received`, `drained`, `pinged`, `ponged` and `closed` as
 * its runtime reports them.
 */
export abstract class NativeSocket<D = unknown> implements ServerWebSocket<D> {
  data: D;
  readonly protocol: string;
  protected readonly server: NativeWsServer;
  readonly #handler: WebSocketHandler<D>;
  readonly #label: string;
  /** A `message` promise is pending: the next messages wait (WS4). */
  #waiting = false;
  #held: WsMessage[] = [];
  #reported = false;
  /** WS7 without pings: ends a socket silent for `idleTimeout`. */
  #silence: ReturnType<typeof setTimeout> | undefined;

  constructor(server: NativeWsServer, up: NativeUpgrade) {
    this.server = server;
    this.#handler = up.handler as WebSocketHandler<D>;
    this.data = up.data as D;
    this.protocol = up.protocol;
    this.#label = `WS ${up.path} message`;
  }

  abstract readonly readyState: 0 | 1 | 2 | 3;
  abstract readonly remoteAddress: string;
  abstract binaryType: ServerWebSocket<D>["binaryType"];
  abstract readonly subscriptions: string[];
  /** Sends one message; returns what Bun's `send` does (WS3). */
  protected abstract write(data: WsData, compress: boolean | undefined): number;
  abstract close(code?: number, reason?: string): void;
  abstract terminate(): void;
  abstract ping(data?: WsData): number;
  abstract pong(data?: WsData): number;
  abstract subscribe(topic: string): void;
  abstract unsubscribe(topic: string): void;
  abstract isSubscribed(topic: string): boolean;
  abstract publish(topic: string, data: WsData, compress?: boolean): number;
  abstract cork<T>(callback: (ws: ServerWebSocket<D>) => T): T;
  abstract getBufferedAmount(): number;

  send(data: WsData, compress?: boolean): number {
    const open = this.readyState === 1;
    return this.#counted(data, this.write(data, compress), open);
  }

  sendText(data: string, compress?: boolean): number {
    return this.send(data, compress);
  }

  sendBinary(data: ArrayBuffer | ArrayBufferView, compress?: boolean): number {
    return this.send(data, compress);
  }

  /**
   * Counts one send by what it returned (WS3): sent, queued (-1), or
   * dropped (0 for a message with bytes on a socket that was open, which
   * the send may have closed since, with closeOnBackpressureLimit).
   */
  #counted(data: WsData, ret: number, open: boolean): number {
    const s = this.server.stats;
    if (!open) return ret;
    const size = ret > 0 ? ret : sizeOf(data);
    if (ret === 0 && size > 0) {
      s.dropped++;
      return ret;
    }
    s.messagesOut++;
    // Bun and Deno do not tell the frame they wrote: counted as an uncompressed one.
    s.bytesOut += size + headSize(size);
    if (ret === -1) s.backpressure++;
    return ret;
  }

  // ---- what the runtime reports ------------------------------------------------

  /** The socket is open: `open` runs. */
  protected opened(): void {
    const s = this.server.stats;
    s.open++;
    s.opened++;
    this.server.sockets.add(this as NativeSocket<unknown>);
    this.#heard();
    this.#call(() => this.#handler.open?.(this), false);
  }

  /** A message, as `binaryType` makes it. */
  protected received(msg: WsMessage): void {
    const s = this.server.stats;
    s.messagesIn++;
    s.bytesIn += typeof msg === "string" ? msg.length : msg.byteLength;
    this.#heard();
    if (this.#waiting) this.#held.push(msg);
    else this.#deliver(msg);
  }

  protected drained(): void {
    if (this.readyState === 1) this.#call(() => this.#handler.drain?.(this), false);
  }

  protected pinged(data: Uint8Array): void {
    this.#heard();
    const h = this.#handler.ping;
    if (h !== undefined) this.#call(() => h.call(this.#handler, this, data), false);
  }

  protected ponged(data: Uint8Array): void {
    this.#heard();
    const h = this.#handler.pong;
    if (h !== undefined) this.#call(() => h.call(this.#handler, this, data), false);
  }

  /** The socket closed: `close` runs, once, last (WS6). */
  protected closed(code: number, reason: string): void {
    if (this.#reported) return;
    this.#reported = true;
    this.#held.length = 0;
    clearTimeout(this.#silence);
    const s = this.server.stats;
    s.open--;
    s.closed++;
    this.server.sockets.delete(this as NativeSocket<unknown>);
    this.#call(() => this.#handler.close?.(this, code, reason), false);
  }

  /** Whether `closed` ran. */
  protected get finished(): boolean {
    return this.#reported;
  }

  /**
   * The peer was heard from. With `sendPings: false` the runtimes' own idle
   * checks do not end a silent socket (Bun's keeps it, Deno's only pings),
   * so it is ended here after `idleTimeout` of silence, as the kernel does.
   */
  #heard(): void {
    const { idleTimeoutMs, sendPings } = this.server.options;
    if (sendPings || idleTimeoutMs === 0) return;
    clearTimeout(this.#silence);
    this.#silence = setTimeout(() => this.terminate(), idleTimeoutMs);
  }

  #deliver(msg: WsMessage): void {
    this.server.enter(this.#label);
    this.#call(() => this.#handler.message(this, msg), true);
  }

  /** Calls a handler; a throw or rejection closes this socket with 1011 (WS5). */
  #call(fn: () => void | Promise<void>, hold: boolean): void {
    let r: void | Promise<void>;
    try {
      r = fn();
    } catch (err) {
      this.#failed(err);
      return;
    }
    if (r === undefined || typeof (r as Promise<void>).then !== "function") return;
    if (hold) this.#waiting = true;
    (r as Promise<void>).then(
      () => hold && this.#release(),
      (err) => {
        this.#failed(err);
        if (hold) this.#release();
      },
    );
  }

  #failed(err: unknown): void {
    this.server.onError(err);
    this.close(CloseCode.INTERNAL_ERROR, "handler error");
  }

  /** A pending `message` settled: deliver what waited, until another one waits. */
  #release(): void {
    this.#waiting = false;
    while (this.#held.length > 0 && !this.#waiting && !this.#reported) this.#deliver(this.#held.shift()!);
  }
}
