/**
 * The bench's WebSocket app, on triloop: what the WebSocket peers
 * (`lab/peers/ws.*.ts`) do too, so every row serves the same thing.
 *
 * - a socket on `/sub` is subscribed to the topic `fanout`;
 * - a message on a `/pub` socket is published to `fanout` (ws-fanout);
 * - a message on any other socket is echoed back (ws-echo);
 * - a plain request is answered `ok` (and an HTTP keep-alive connection may
 *   stay idle for 5 minutes: the idle-connection test holds them).
 *
 * @module
 */

import type { ServeInfo, ServerWebSocket } from "triloop";

/** The topic `/sub` sockets receive. */
const TOPIC = "fanout";

export default {
  limits: { keepAliveTimeoutMs: 300_000 },
  fetch(req: Request, server: ServeInfo): Response | undefined {
    const url = req.url;
    const path = url.slice(url.indexOf("/", url.indexOf("//") + 2));
    if (server.upgrade(req, { data: path })) return undefined;
    return new Response("ok");
  },
  websocket: {
    open(ws: ServerWebSocket<string>) {
      if (ws.data === "/sub") ws.subscribe(TOPIC);
    },
    message(ws: ServerWebSocket<string>, message: string | Uint8Array | ArrayBuffer) {
      if (ws.data === "/pub") ws.publish(TOPIC, message);
      else ws.send(message);
    },
  },
};
