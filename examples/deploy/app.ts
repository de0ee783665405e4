// The app of the fleet example (examples/deploy/fleet.sh): each node says
// who it is and who it sees. `/who` is the client as triloop reports it
// (HAProxy sends it in a PROXY v2 header); `/slow?ms=N` streams a line every
// 100 ms for N ms — a long request that must survive a restart of the other
// node; `/ws` is a WebSocket that answers each message with the node's name.
// Served by `triloop serve` with the flags fleet.sh gives.
import process from "node:process";
import type { ServeInfo, ServerWebSocket } from "triloop";

const NODE = process.env.TRILOOP_NODE ?? "node";

export default {
  fetch(request: Request, info: ServeInfo): Response | undefined {
    const url = new URL(request.url);
    if (url.pathname === "/ws" && info.upgrade(request)) return;
    if (url.pathname === "/who") {
      const { hostname, port } = info.remoteAddr;
      return Response.json({ node: NODE, address: hostname, port, loop: info.loopId });
    }
    if (url.pathname === "/slow") return slow(Number(url.searchParams.get("ms") ?? 3000));
    return new Response(`hello from ${NODE}\n`, { headers: { "x-node": NODE } });
  },
  websocket: {
    message(ws: ServerWebSocket<unknown>, message: string | Uint8Array) {
      ws.send(`${NODE}: ${typeof message === "string" ? message : new TextDecoder().decode(message)}`);
    },
  },
};

/** A response that trickles a line every 100 ms for `ms`, then ends with "done". */
function slow(ms: number): Response {
  const end = Date.now() + Math.min(Math.max(ms, 0), 60_000);
  const text = new TextEncoder();
  let timer: ReturnType<typeof setInterval> | undefined;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(text.encode(`${NODE} started\n`));
      timer = setInterval(() => {
        if (Date.now() < end) {
          controller.enqueue(text.encode(".\n"));
          return;
        }
        clearInterval(timer);
        controller.enqueue(text.encode("done\n"));
        controller.close();
      }, 100);
    },
    cancel() {
      clearInterval(timer);
    },
  });
  return new Response(body, { headers: { "content-type": "text/plain", "x-node": NODE } });
}
