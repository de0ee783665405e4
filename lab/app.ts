/**
 * The bench's own Hono app: the routes of `examples/hello-hono.ts`, used
 * when that example is absent and by `--entry lab/app.ts`. The fixed peers
 * (`peers/node-http.ts`, the `peers/tcp.*.ts` ceilings) answer the same
 * routes with the same bytes of body.
 *
 * @module
 */

import { Hono } from "hono";
import { STREAM_CHUNK_BYTES, STREAM_CHUNKS } from "./peers/_responder.ts";

const CHUNK = new Uint8Array(STREAM_CHUNK_BYTES).fill(0x61);

const app = new Hono();
app.get("/", (c) => c.text("Hello, World!"));
app.get("/json", (c) => c.json({ message: "Hello, World!" }));
app.post("/echo", (c) => new Response(c.req.raw.body));
app.get("/stream", () => {
  let left = STREAM_CHUNKS;
  // pull() runs only when the consumer wants more: backpressure end to end.
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      controller.enqueue(CHUNK.slice());
      if (--left === 0) controller.close();
    },
  }, { highWaterMark: 0 });
  return new Response(body, { headers: { "content-type": "application/octet-stream" } });
});

export default app;
