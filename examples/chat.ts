/**
 * A chat: a Hono app with WebSocket rooms, served unchanged on Node, Bun
 * and Deno, one loop or many:
 *
 * ```sh
 * npx triloop serve examples/chat.ts --runtime deno --loops 2
 * ```
 *
 * Open http://127.0.0.1:3000/ in two tabs. Each room is a topic: a message
 * is published to the room, and reaches every member on every loop.
 *
 * - `GET /` — the page
 * - `GET /ws/:room?name=…` — the WebSocket of one member of a room
 *
 * @module
 */

import { Hono } from "hono";
import { upgradeWebSocket } from "triloop/hono";
import { currentLoop, type ServerWebSocket } from "triloop";

const app = new Hono();

app.get("/", (c) => c.html(PAGE));

app.get(
  "/ws/:room",
  upgradeWebSocket((c) => {
    const room = `room:${c.req.param("room")}`;
    const name = (c.req.query("name") ?? "someone").slice(0, 40);
    return {
      onOpen(_event, ws) {
        const raw = ws.raw as ServerWebSocket;
        raw.subscribe(room);
        raw.publish(room, JSON.stringify({ from: "server", text: `${name} joined` }));
        // Which loop serves this member: with --loops 2, two tabs are often on different loops.
        const loop = currentLoop();
        const where = loop.supervised ? ` (loop ${loop.id} of ${loop.count})` : "";
        ws.send(JSON.stringify({ from: "server", text: `welcome to ${room.slice(5)}, ${name}${where}` }));
      },
      onMessage(event, ws) {
        const line = JSON.stringify({ from: name, text: String(event.data).slice(0, 1000) });
        // To the others in the room, and back to the sender.
        (ws.raw as ServerWebSocket).publish(room, line);
        ws.send(line);
      },
    };
  }),
);

const PAGE = `<!doctype html>
<meta charset="utf-8">
<title>triloop chat</title>
<style>body{font:16px system-ui;margin:2em auto;max-width:40em}#log{white-space:pre-wrap;border:1px solid #ccc;
min-height:12em;padding:.5em}input{width:70%}</style>
<h1>triloop chat</h1>
<p>Room <input id="room" value="lobby" style="width:8em"> Name <input id="name" style="width:8em">
<button id="join">Join</button></p>
<div id="log"></div>
<form id="form"><input id="text" autocomplete="off"> <button>Send</button></form>
<script>
let ws;
const log = (line) => { document.getElementById("log").textContent += line + "\\n"; };
document.getElementById("join").onclick = () => {
  ws?.close();
  const room = encodeURIComponent(document.getElementById("room").value);
  const name = encodeURIComponent(document.getElementById("name").value || "guest");
  ws = new WebSocket(\`\${location.origin.replace("http", "ws")}/ws/\${room}?name=\${name}\`);
  ws.onmessage = (e) => { const m = JSON.parse(e.data); log(m.from + ": " + m.text); };
  ws.onopen = () => { document.body.dataset.joined = "yes"; };
};
document.getElementById("form").onsubmit = (e) => {
  e.preventDefault();
  const t = document.getElementById("text");
  if (ws && ws.readyState === 1 && t.value) ws.send(t.value);
  t.value = "";
};
</script>`;

export default app;
