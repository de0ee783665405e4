/**
 * The WebSocket contract: Bun's server API (`Bun.serve({ fetch, websocket })`,
 * `server.upgrade`, `ServerWebSocket`), on every runtime and engine.
 *
 * Invariants (tests/conformance/ws-suite.ts, on every runtime):
 * - **WS1 upgrade**: `server.upgrade(req, { data, headers })` returns true and
 *   answers 101 for a valid upgrade (WH1–WH4); the fetch handler's return
 *   value is then ignored. For anything else it returns false and the
 *   handler's own response is sent.
 * - **WS2 messages**: text arrives as a string, binary as bytes (a `Buffer`
 *   with `binaryType: "nodebuffer"`, the default as on Bun; a `Uint8Array` or
 *   an `ArrayBuffer` on request), whole, in order.
 * - **WS3 send**: `send` returns the bytes it wrote, -1 when they were queued
 *   behind backpressure (then `drain` follows), 0 when dropped (the socket is
 *   not open, or more than `backpressureLimit` bytes wait — then, with
 *   `closeOnBackpressureLimit`, the socket closes with 1008).
 * - **WS4 reads follow the handler**: while a `message` handler's promise is
 *   pending, nothing more is read from that socket.
 * - **WS5 limits and violations**: over `maxPayloadLength` → close 1009;
 *   bad UTF-8 → 1007; protocol errors → 1002 (WP1–WP5); a handler that throws
 *   closes its socket only, with 1011, and is reported.
 * - **WS6 close**: `close` runs once per socket, last, with the peer's code
 *   and reason (1005 for none, 1006 when the connection ended without a
 *   close frame); a close handshake not answered within 5 s ends the socket.
 * - **WS7 idle**: with `sendPings` (default) a socket silent for
 *   `idleTimeout` seconds is pinged, and closed if it stays silent as long again.
 * - **WS8 pub/sub**: `publish` reaches every subscriber of the topic (not the
 *   sender unless `publishToSelf`), on every loop of the server, in publish
 *   order per publisher.
 * - **WS9 shutdown**: a graceful stop sends 1001 to every socket, waits for
 *   their close handshakes within the grace, then ends the rest.
 * - **WS10 control frames**: a ping is answered with a pong of its payload,
 *   in the order the frames came (between the fragments of a message too); a
 *   pong is never answered; both reach the `ping` and `pong` handlers.
 *   `ws.ping` and `ws.pong` take at most 125 bytes (a RangeError past it, as on Bun).
 *
 * @module
 */

/** What `binaryType` makes of a binary message. */
export type BinaryType = "nodebuffer" | "uint8array" | "arraybuffer";

/** A message as the handler gets it. */
export type WsMessage = string | Uint8Array | ArrayBuffer;

/** Data `send` and `publish` take. */
export type WsData = string | ArrayBuffer | ArrayBufferView;

/** One upgraded connection, as Bun's `ServerWebSocket`. */
export interface ServerWebSocket<D = unknown> {
  /** What `server.upgrade(req, { data })` gave. */
  data: D;
  /** The peer's address. */
  readonly remoteAddress: string;
  /** 1 open, 2 closing, 3 closed (0, connecting, is never seen by a handler). */
  readonly readyState: 0 | 1 | 2 | 3;
  /** The kind binary messages arrive as. Default `"nodebuffer"` (a `Buffer`, as on Bun). */
  binaryType: BinaryType;
  /** The subprotocol agreed in the handshake, or "". */
  readonly protocol: string;
  /** Sends a text (string) or binary message (WS3). */
  send(data: WsData, compress?: boolean): number;
  /** Sends a text message (WS3). */
  sendText(data: string, compress?: boolean): number;
  /** Sends a binary message (WS3). */
  sendBinary(data: ArrayBuffer | ArrayBufferView, compress?: boolean): number;
  /** Starts the close handshake (default code 1000). */
  close(code?: number, reason?: string): void;
  /** Ends the connection at once, without a close handshake. */
  terminate(): void;
  /** Sends a ping (at most 125 bytes of payload). */
  ping(data?: WsData): number;
  /** Sends an unsolicited pong (at most 125 bytes of payload). */
  pong(data?: WsData): number;
  /** Receives what is published to `topic` from now on (WS8). */
  subscribe(topic: string): void;
  /** Stops receiving `topic`. */
  unsubscribe(topic: string): void;
  /** Whether this socket receives `topic`. */
  isSubscribed(topic: string): boolean;
  /** The topics this socket is subscribed to. */
  readonly subscriptions: string[];
  /** Sends to every other subscriber of `topic` (WS8). */
  publish(topic: string, data: WsData, compress?: boolean): number;
  /** Runs `callback`; writes made inside it leave together. */
  cork<T>(callback: (ws: ServerWebSocket<D>) => T): T;
  /** Bytes written and not yet sent. */
  getBufferedAmount(): number;
}

/** permessage-deflate options, as Bun names them. */
export interface PerMessageDeflate {
  /** Compress outgoing messages when `send` does not say (a boolean, as Bun's). Default false. */
  compress?: boolean;
  /** Accept compressed messages from clients. Default true. */
  decompress?: boolean;
}

/** The `websocket` part of an entry or of `serve()`: handlers and options, as Bun's. */
export interface WebSocketHandler<D = unknown> {
  /** A socket opened (after its 101 went out). */
  open?(ws: ServerWebSocket<D>): void | Promise<void>;
  /** Every message (required in a server's `websocket`, as on Bun). */
  message(ws: ServerWebSocket<D>, message: WsMessage): void | Promise<void>;
  /** A socket closed: once, last (WS6). */
  close?(ws: ServerWebSocket<D>, code: number, reason: string): void | Promise<void>;
  /** A send that returned -1 can go on: the queued bytes went out (WS3). */
  drain?(ws: ServerWebSocket<D>): void | Promise<void>;
  /** The peer pinged (the pong is sent already). */
  ping?(ws: ServerWebSocket<D>, data: Uint8Array): void;
  /** The peer ponged. */
  pong?(ws: ServerWebSocket<D>, data: Uint8Array): void;
  /** Largest message accepted, in bytes (WS5). Default 16 MiB. */
  maxPayloadLength?: number;
  /** Seconds without a frame before a socket is pinged, then closed (WS7). Default 120; 0 never. */
  idleTimeout?: number;
  /** Bytes that may wait behind backpressure (WS3); 0 for no limit, as on Bun. Default 16 MiB. */
  backpressureLimit?: number;
  /** Close with 1008 rather than drop past `backpressureLimit`. Default false. */
  closeOnBackpressureLimit?: boolean;
  /** permessage-deflate (RFC 7692). Default false. */
  perMessageDeflate?: boolean | PerMessageDeflate;
  /** `ws.publish` reaches the sender too. Default false. */
  publishToSelf?: boolean;
  /** Ping idle sockets (WS7). Default true. */
  sendPings?: boolean;
}

/** What `server.upgrade` takes. */
export interface UpgradeOptions<D = unknown> {
  /** The socket's `ws.data`. */
  data?: D;
  /** Extra fields of the 101 response (a `Sec-WebSocket-Protocol` picks the subprotocol). */
  headers?: HeadersInit;
  /**
   * Handlers for this socket alone, in place of the server's `websocket`
   * (a triloop extension: how `triloop/hono` runs Hono's per-route events).
   * The server's options (limits, deflate) still apply.
   */
  handler?: WebSocketHandler<D>;
}

/** The server a fetch handler gets as its second argument (with `websocket` set), as Bun's. */
export interface WebSocketServer {
  /** Makes `request` a WebSocket (WS1): true when it did. */
  upgrade<D = unknown>(request: Request, options?: UpgradeOptions<D>): boolean;
  /** Sends to every subscriber of `topic`, on every loop (WS8). Returns the bytes sent on this loop. */
  publish(topic: string, data: WsData, compress?: boolean): number;
  /** Subscribers of `topic` on this loop. */
  subscriberCount(topic: string): number;
}

/** Counters of a server's WebSockets. */
export interface WsStats {
  /** Sockets open now. */
  open: number;
  /** Sockets opened since the start. */
  opened: number;
  /** Sockets closed since the start. */
  closed: number;
  /** Messages received. */
  messagesIn: number;
  /** Messages sent (published ones once per receiver). */
  messagesOut: number;
  /** Payload bytes received (text counted in UTF-16 units). */
  bytesIn: number;
  /** Frame bytes sent. */
  bytesOut: number;
  /** Sends that found more than the high-water mark waiting (returned -1). */
  backpressure: number;
  /** Sends dropped past `backpressureLimit`. */
  dropped: number;
}

/** The runtime's raw deflate, as the adapter gives it (node:zlib on every runtime). */
export interface RawZlib {
  /** Inflates to at most `maxOutputLength` bytes; throws `TooLarge` past it, or on bad data. */
  inflateRaw(data: Uint8Array, options: { dictionary?: Uint8Array; maxOutputLength: number }): Uint8Array;
  /** Deflates, ending with a sync flush (`00 00 ff ff` last). */
  deflateRaw(data: Uint8Array, options: { dictionary?: Uint8Array; windowBits: number }): Uint8Array;
  /** Whether `err` is the inflater stopping at `maxOutputLength`. */
  isTooLarge(err: unknown): boolean;
  /**
   * Whether `dictionary` is honoured. Deno's node:zlib (2.9) ignores it in
   * the one-shot functions: the inflater then puts the window in front of
   * the message as a stored block, and the server keeps no compression
   * context (it answers `server_no_context_takeover`).
   */
  readonly dictionary: boolean;
}

/** What an adapter gives the WebSocket server (node:zlib and `Buffer` on every runtime). */
export interface WsRuntime {
  zlib: RawZlib;
  toBuffer(bytes: Uint8Array): Uint8Array;
}
