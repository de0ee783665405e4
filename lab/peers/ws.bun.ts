/**
 * Peer: Bun's own WebSocket server, `Bun.serve({ websocket })`
 * (https://bun.sh/docs/api/websockets, uWebSockets inside), doing what
 * `lab/ws-app.ts` does: echo, `/sub` subscribers of one topic, `/pub`
 * publishers (`ws.publish`), `ok` to plain requests.
 *
 * @module
 */

import { announce, serverArgs } from "./_args.ts";
import { bunWebSocketApi } from "../_shims.ts";

const { port, hostname } = serverArgs();
const server = bunWebSocketApi().serve<string>({
  hostname,
  port,
  idleTimeout: 255,
  fetch(req, server) {
    const url = req.url;
    const path = url.slice(url.indexOf("/", url.indexOf("//") + 2));
    if (server.upgrade(req, { data: path })) return undefined;
    return new Response("ok");
  },
  websocket: {
    open(ws) {
      if (ws.data === "/sub") ws.subscribe("fanout");
    },
    message(ws, message) {
      if (ws.data === "/pub") ws.publish("fanout", message);
      else ws.send(message);
    },
  },
});
announce("http", hostname, server.port);
