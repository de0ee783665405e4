/**
 * Peer: a WebSocket server on the `ws` package (https://github.com/websockets/ws),
 * what a Node user runs today, doing what `lab/ws-app.ts` does: echo, `/sub`
 * subscribers of one topic, `/pub` publishers (a loop over the subscribers,
 * as `ws` has no topics), `ok` to plain requests.
 *
 * @module
 */

import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { type WebSocket, WebSocketServer } from "ws";
import { announce, serverArgs } from "./_args.ts";

const { port, hostname } = serverArgs();
const subscribers = new Set<WebSocket>();
const http = createServer((_req, res) => res.end("ok"));
// Without permessage-deflate, as the other rows (ws turns it on by default for servers it makes).
const wss = new WebSocketServer({ server: http, perMessageDeflate: false });
wss.on("connection", (ws, req) => {
  const path = req.url ?? "/";
  if (path === "/sub") {
    subscribers.add(ws);
    ws.on("close", () => subscribers.delete(ws));
  }
  if (path === "/pub") {
    ws.on("message", (data, isBinary) => {
      for (const s of subscribers) s.send(data, { binary: isBinary });
    });
  } else {
    ws.on("message", (data, isBinary) => ws.send(data, { binary: isBinary }));
  }
});
http.keepAliveTimeout = 300_000;
http.listen(port, hostname, () => announce("http", hostname, (http.address() as AddressInfo).port));
