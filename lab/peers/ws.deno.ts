/**
 * Peer: Deno's own WebSocket server, `Deno.upgradeWebSocket` on `Deno.serve`
 * (https://docs.deno.com/api/deno/~/Deno.upgradeWebSocket), doing what
 * `lab/ws-app.ts` does: echo, `/sub` subscribers of one topic, `/pub`
 * publishers (a loop over the subscribers, as Deno has no topics), `ok` to
 * plain requests.
 *
 * @module
 */

import { announce, serverArgs } from "./_args.ts";
import { denoApi } from "../_shims.ts";

const { port, hostname } = serverArgs();
const deno = denoApi();
const subscribers = new Set<WebSocket>();
deno.serve({ hostname, port, onListen: (addr) => announce("http", hostname, addr.port) }, (req) => {
  if (req.headers.get("upgrade") !== "websocket") return new Response("ok");
  const url = req.url;
  const path = url.slice(url.indexOf("/", url.indexOf("//") + 2));
  const { socket, response } = deno.upgradeWebSocket(req, { idleTimeout: 0 });
  if (path === "/sub") {
    socket.onopen = () => subscribers.add(socket);
    socket.onclose = () => subscribers.delete(socket);
  }
  if (path === "/pub") {
    socket.onmessage = (e) => {
      for (const s of subscribers) s.send(e.data);
    };
  } else {
    socket.onmessage = (e) => socket.send(e.data);
  }
  return response;
});
