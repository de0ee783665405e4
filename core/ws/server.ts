/**
 * The WebSocket side of one kernel-engine server: its options and shared
 * context, `server.upgrade` (WS1), the 101 response, and the socket that
 * takes over the connection.
 *
 * @module
 */

import type { Conn, SocketHandler } from "../types.ts";
import { TriloopError } from "../errors.ts";
import {
  type ConnEvents,
  connState,
  WsConnection,
  type WsOptions,
  type WsServerContext,
  wsStats,
} from "./connection.ts";
import { deflaterFor, inflaterFor } from "./deflate.ts";
import {
  acceptKey,
  type DeflateParams,
  negotiateDeflate,
  readUpgrade,
  type UpgradeRequest,
} from "./handshake.ts";
import { TopicHub } from "./topics.ts";
import type { UpgradeOptions, WebSocketHandler, WsRuntime } from "./types.ts";

const MiB = 1024 * 1024;

/** Fills in Bun's defaults; throws TRI_ERR_INVALID_ARG on a bad option. */
export function resolveWsOptions(h: WebSocketHandler<unknown>): WsOptions & { deflate: boolean } {
  if (typeof h !== "object" || h === null) {
    throw new TriloopError("TRI_ERR_INVALID_ARG", "websocket must be an object of handlers and options");
  }
  if (h.message !== undefined && typeof h.message !== "function") {
    throw new TriloopError("TRI_ERR_INVALID_ARG", "websocket needs a 'message' handler");
  }
  const num = (name: keyof WebSocketHandler, value: unknown, def: number): number => {
    if (value === undefined) return def;
    if (typeof value !== "number" || !(value >= 0) || !Number.isFinite(value)) {
      throw new TriloopError(
        "TRI_ERR_INVALID_ARG",
        `websocket.${name} must be a number >= 0, got ${String(value)}`,
      );
    }
    return value;
  };
  const pmd = h.perMessageDeflate;
  return {
    maxPayloadLength: num("maxPayloadLength", h.maxPayloadLength, 16 * MiB),
    idleTimeoutMs: num("idleTimeout", h.idleTimeout, 120) * 1000,
    // As Bun's: 0 is no limit.
    backpressureLimit: num("backpressureLimit", h.backpressureLimit, 16 * MiB) || Number.MAX_SAFE_INTEGER,
    closeOnBackpressureLimit: h.closeOnBackpressureLimit ?? false,
    compressByDefault: typeof pmd === "object" && pmd.compress === true,
    publishToSelf: h.publishToSelf ?? false,
    sendPings: h.sendPings ?? true,
    deflate: pmd === true || (typeof pmd === "object" && pmd.decompress !== false),
  };
}

/** An accepted upgrade, waiting for the handler to return. */
export interface PendingUpgrade {
  head: string;
  data: unknown;
  handler: WebSocketHandler<unknown> | undefined;
  protocol: string;
  path: string;
  deflate: DeflateParams | undefined;
}

/** Fields the server writes itself; the handler's `headers` cannot set them. */
const RESERVED = new Set([
  "upgrade",
  "connection",
  "sec-websocket-accept",
  "sec-websocket-extensions",
  "content-length",
  "transfer-encoding",
]);

/**
 * WH1, and someone to take the messages (the upgrade's own handler or the
 * server's): the upgrade request read, 426 for a version other than 13, null
 * when it is not an upgrade. Every engine decides by it.
 */
export function checkUpgrade(
  method: string,
  httpMinor: number,
  headers: Headers,
  handler: WebSocketHandler<unknown> | undefined,
): UpgradeRequest | 426 | null {
  const req = readUpgrade(method, httpMinor, headers);
  if (!("key" in req)) return req.status ?? null;
  return typeof handler?.message === "function" ? req : null;
}

/**
 * The handler's own fields of a 101: the subprotocol it named, only if the
 * client offered it (WH3), and its other fields but those the server writes.
 */
export function handlerFields(
  offered: string[],
  headers: HeadersInit | undefined,
): { protocol: string; fields: Array<[string, string]> } {
  const extra = new Headers(headers);
  const chosen = extra.get("sec-websocket-protocol")?.trim() ?? "";
  const fields: Array<[string, string]> = [];
  for (const [name, value] of extra) {
    if (!RESERVED.has(name) && name !== "sec-websocket-protocol") fields.push([name, value]);
  }
  return { protocol: offered.includes(chosen) ? chosen : "", fields };
}

/** The WebSocket state of one server on one loop. */
export class WsServer {
  readonly ctx: WsServerContext;
  readonly maxBufferedBytes: number;
  #runtime: WsRuntime;
  #deflate: boolean;

  constructor(
    handler: WebSocketHandler<unknown>,
    runtime: WsRuntime,
    hooks: { onError(err: unknown): void; enter(label: string): void },
  ) {
    const options = resolveWsOptions(handler);
    this.#deflate = options.deflate;
    this.#runtime = runtime;
    this.ctx = {
      handler,
      options,
      hub: new TopicHub(),
      toBuffer: runtime.toBuffer,
      onError: hooks.onError,
      enter: hooks.enter,
      stats: wsStats(),
    };
    // The connection's hard output cap must leave room for a whole
    // backpressure limit and one message more (C3 would close it first).
    this.maxBufferedBytes = Math.min(
      options.backpressureLimit + options.maxPayloadLength + 64 * 1024,
      Number.MAX_SAFE_INTEGER,
    );
  }

  /**
   * WS1: the 101 this request and these options make; null when it is not an
   * upgrade, 426 when it is one of a version other than 13 (WH1).
   */
  prepare(
    method: string,
    httpMinor: number,
    headers: Headers,
    path: string,
    options: UpgradeOptions<unknown> = {},
  ): PendingUpgrade | 426 | null {
    const req = checkUpgrade(method, httpMinor, headers, options.handler ?? this.ctx.handler);
    if (req === null || req === 426) return req;
    const lines = [
      "HTTP/1.1 101 Switching Protocols",
      "upgrade: websocket",
      "connection: Upgrade",
      `sec-websocket-accept: ${acceptKey(req.key)}`,
    ];
    const { protocol, fields } = handlerFields(req.protocols, options.headers);
    if (protocol !== "") lines.push(`sec-websocket-protocol: ${protocol}`);
    let deflate: DeflateParams | undefined;
    if (this.#deflate) {
      // Without a preset dictionary the compressor cannot carry its context: say so.
      const agreed = negotiateDeflate(
        req.extensions,
        this.#runtime.zlib.dictionary ? undefined : { serverNoContextTakeover: true },
      );
      if (agreed !== null) {
        deflate = agreed.params;
        lines.push(`sec-websocket-extensions: ${agreed.response}`);
      }
    }
    for (const [name, value] of fields) lines.push(`${name}: ${value}`);
    return {
      head: lines.join("\r\n") + "\r\n\r\n",
      data: options.data,
      handler: options.handler,
      protocol,
      path,
      deflate,
    };
  }

  /** Makes the socket that takes over `conn` after its 101; call `start()` on it once the 101 is written. */
  accept(conn: Conn<unknown>, up: PendingUpgrade): { ws: WsConnection<unknown>; state: ConnEvents } {
    const zlib = this.#runtime.zlib;
    const ws = new WsConnection(conn, this.ctx, {
      data: up.data,
      handler: up.handler,
      protocol: up.protocol,
      path: up.path,
      inflater: up.deflate === undefined ? undefined : inflaterFor(zlib, up.deflate),
      deflater: up.deflate === undefined ? undefined : deflaterFor(zlib, up.deflate),
    });
    return { ws, state: connState(ws) };
  }
}

/**
 * The socket handler of connections that are WebSockets from their first
 * byte on: a native engine's upgraded sockets (node:http hands them over
 * after the 101). The kernel engine's own connections start as HTTP and
 * switch (server/http-conn.ts).
 */
export const upgradedSockets: SocketHandler<ConnEvents> = {
  data(conn, bytes) {
    conn.state.data(bytes);
  },
  drain(conn) {
    conn.state.drain();
  },
  end(conn) {
    conn.state.end();
  },
  timeout(conn) {
    conn.state.onIdle();
  },
  shutdown(conn) {
    conn.state.shutdown();
  },
  close(conn) {
    conn.state.closed();
  },
};
