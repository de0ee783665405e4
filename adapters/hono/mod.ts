/**
 * Hono's `upgradeWebSocket` for triloop (https://hono.dev/docs/helpers/websocket):
 * one import on every runtime and engine, built on Hono's own helper
 * definition, so routes get Hono's `WSContext` and events as with
 * `hono/bun` or `hono/deno`.
 *
 * @example A chat route
 * ```ts
 * import { Hono } from "hono";
 * import { upgradeWebSocket } from "triloop/hono";
 * const app = new Hono();
 * app.get("/ws", upgradeWebSocket(() => ({
 *   onMessage(event, ws) { ws.send(`echo: ${event.data}`); },
 * })));
 * export default app;
 * ```
 *
 * Each upgraded socket runs its route's events (the upgrade carries them),
 * so the app needs no `websocket` export; one given beside it sets the
 * server's options (`maxPayloadLength`, `perMessageDeflate`, …).
 *
 * @module
 */

import type { Context } from "hono";
import { defineWebSocketHelper, WSContext, type WSEvents } from "hono/ws";
import type { ServeInfo } from "../../core/types.ts";
import type { ServerWebSocket, WebSocketHandler } from "../../core/ws/types.ts";

type Events = WSEvents<ServerWebSocket<HonoSocketData>>;

/** What a socket upgraded by {@link upgradeWebSocket} carries. */
interface HonoSocketData {
  events: Events;
  url: string;
  protocol: string;
}

/** A `CloseEvent`, where the runtime has one (Node 20 has none). */
function closeEvent(code: number, reason: string): Event {
  const C =
    (globalThis as { CloseEvent?: new (type: string, init: { code: number; reason: string }) => Event })
      .CloseEvent;
  if (C !== undefined) return new C("close", { code, reason });
  return Object.assign(new Event("close"), { code, reason, wasClean: code !== 1006 });
}

function context(ws: ServerWebSocket<HonoSocketData>): WSContext<ServerWebSocket<HonoSocketData>> {
  return new WSContext({
    send: (data, options) => void ws.send(data as string | ArrayBuffer | Uint8Array, options?.compress),
    close: (code, reason) => ws.close(code, reason),
    raw: ws,
    get readyState() {
      return ws.readyState;
    },
    url: ws.data.url,
    protocol: ws.data.protocol,
  });
}

/** Runs one event; a throw or rejection goes to the route's `onError`, else up (the socket closes with 1011). */
function run(ws: ServerWebSocket<HonoSocketData>, fn: () => unknown): void | Promise<void> {
  const onError = ws.data.events.onError;
  const fail = (error: unknown) => {
    if (onError === undefined) throw error;
    onError(Object.assign(new Event("error"), { error }), context(ws));
  };
  try {
    const r = fn();
    if (r instanceof Promise) return r.then(() => {}, fail);
  } catch (error) {
    fail(error);
  }
}

/** The socket handlers every Hono-upgraded socket runs: its route's events. */
const honoHandler: WebSocketHandler<HonoSocketData> = {
  open(ws) {
    const on = ws.data.events.onOpen;
    if (on !== undefined) return run(ws, () => on(new Event("open"), context(ws)));
  },
  message(ws, message) {
    const on = ws.data.events.onMessage;
    if (on === undefined) return;
    // Hono's WSContext reads binary as ArrayBuffer.
    const data = typeof message === "string" || message instanceof ArrayBuffer
      ? message
      : message.buffer.slice(message.byteOffset, message.byteOffset + message.byteLength) as ArrayBuffer;
    return run(ws, () => on(new MessageEvent("message", { data }), context(ws)));
  },
  close(ws, code, reason) {
    const on = ws.data.events.onClose;
    if (on !== undefined) return run(ws, () => on(closeEvent(code, reason) as CloseEvent, context(ws)));
  },
};

/**
 * Hono's `upgradeWebSocket` on triloop: upgrades the request through the
 * server in `c.env` (triloop's {@link ServeInfo}, every engine).
 */
export const upgradeWebSocket = defineWebSocketHelper<ServerWebSocket<HonoSocketData>>(
  (c: Context, events: Events) => {
    const server = c.env as ServeInfo | undefined;
    if (typeof server?.upgrade !== "function") {
      throw new TypeError("c.env is not a triloop server: serve the app with triloop's serve()");
    }
    const protocol = c.req.header("sec-websocket-protocol")?.split(",")[0]?.trim() ?? "";
    const upgraded = server.upgrade<HonoSocketData>(c.req.raw, {
      data: { events, url: c.req.url, protocol },
      handler: honoHandler,
      headers: protocol === "" ? undefined : { "sec-websocket-protocol": protocol },
    });
    // Hono needs a Response to end the route; the server sends the 101 instead.
    if (upgraded) return new Response(null);
  },
);
