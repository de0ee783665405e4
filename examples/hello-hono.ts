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
 * - `GET /stream` — a response streamed in many chunks
 * - `GET /ip` — the caller's address and port (Hono's `getConnInfo` shape)
 *
 * @module
 */

import { Hono } from "hono";
import { getConnInfo } from "../core/fetch/conn-info.ts";

const app = new Hono();

app.get("/", (c) => c.text("Hello, World!"));

app.get("/json", (c) => c.json({ message: "Hello, World!", from: "triloop" }));

// The request stream is the response body: bytes go back as they come, and
// the server's backpressure paces the client.
app.post("/echo", (c) =>
  new Response(c.req.raw.body, {
    headers: { "content-type": c.req.header("content-type") ?? "application/octet-stream" },
  }));

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

export default app;
