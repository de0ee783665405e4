/**
 * A Hono app served by triloop, unchanged, on Node, Bun or Deno:
 *
 * ```sh
 * npx triloop serve examples/hello-hono.ts --runtime bun --engine kernel
 * ```
 *
 * - `GET /` — "Hello, World!"
 * - `GET /json` — a small JSON document
 * - `POST /echo` — the request body, streamed back as it arrives
 * - `POST /bytes` — the request body, read whole (`arrayBuffer()`) and sent back
 * - `ALL /forward` — what `new Request(req, init)` made of the request (method, a header, body)
 * - `GET /stream` — a response streamed in many chunks
 * - `GET /ip` — the caller's address and port (Hono's `getConnInfo` shape)
 * - `GET /loop` — the id of the loop serving this connection (`--loops N`)
 * - `GET /slow?ms=N` — "ok" after N ms, without blocking the loop
 *
 * @module
 */

import { Hono } from "hono";
import { getConnInfo, type ServeInfo } from "triloop";

const app = new Hono();

app.get("/", (c) => c.text("Hello, World!"));

app.get("/json", (c) => c.json({ message: "Hello, World!", from: "triloop" }));

// The request stream is the response body: bytes go back as they come, and
// the server's backpressure paces the client.
app.post("/echo", (c) =>
  new Response(c.req.raw.body, {
    headers: { "content-type": c.req.header("content-type") ?? "application/octet-stream" },
  }));

app.post("/bytes", async (c) => new Response(new Uint8Array(await c.req.arrayBuffer())));

// Passed on as proxies pass requests: a new Request from the one received.
app.all("/forward", async (c) => {
  const copy = new Request(c.req.raw, { headers: { "x-forwarded": "1" } });
  return c.json({ method: copy.method, forwarded: copy.headers.get("x-forwarded"), body: await copy.text() });
});

app.get("/stream", () => {
  const encoder = new TextEncoder();
  let i = 0;
  return new Response(
    new ReadableStream<Uint8Array>({
      pull(controller) {
        if (i === 100) return controller.close();
        controller.enqueue(encoder.encode(`chunk ${i++}\n`));
      },
    }),
    { headers: { "content-type": "text/plain;charset=UTF-8" } },
  );
});

app.get("/ip", (c) => c.json(getConnInfo(c).remote));

app.get("/loop", (c) => c.text(String((c.env as ServeInfo | undefined)?.loopId ?? 0)));

app.get("/slow", async (c) => {
  const ms = Math.min(Math.max(Number(c.req.query("ms") ?? 100) || 0, 0), 60_000);
  await new Promise((resolve) => setTimeout(resolve, ms));
  return c.text("ok");
});

export default app;
