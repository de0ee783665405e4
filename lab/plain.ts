/**
 * The bench's app with no framework: the routes of `lab/app.ts` as one
 * plain fetch handler. The bench serves it on the kernel and on each
 * runtime's own server (Bun.serve, Deno.serve; `node-http.ts` is Node's), so
 * a run shows what the server costs apart from the framework's own work per
 * request (Hono makes a Context, resolves a route and reads the path from
 * `request.url` on every request).
 *
 * @module
 */

import { STREAM_CHUNK_BYTES, STREAM_CHUNKS } from "./peers/_responder.ts";

const CHUNK = new Uint8Array(STREAM_CHUNK_BYTES).fill(0x61);
const JSON_BODY = JSON.stringify({ message: "Hello, World!" });
const JSON_HEADERS = { "content-type": "application/json" };
const STREAM_HEADERS = { "content-type": "application/octet-stream" };

/** The path of an absolute URL, without its query: the one part the routes need. */
function pathOf(url: string): string {
  const start = url.indexOf("/", url.indexOf("//") + 2);
  const query = url.indexOf("?", start);
  return url.slice(start, query < 0 ? url.length : query);
}

function stream(): ReadableStream<Uint8Array> {
  let left = STREAM_CHUNKS;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      controller.enqueue(CHUNK.slice());
      if (--left === 0) controller.close();
    },
  }, { highWaterMark: 0 });
}

function route(method: string, path: string, request: Request): Response {
  if (method === "GET") {
    if (path === "/") return new Response("Hello, World!");
    if (path === "/json") return new Response(JSON_BODY, { headers: JSON_HEADERS });
    if (path === "/stream") return new Response(stream(), { headers: STREAM_HEADERS });
  } else if (method === "POST" && path === "/echo") {
    return new Response(request.body);
  }
  return new Response("404 Not Found", { status: 404 });
}

export default {
  fetch(request: Request): Response {
    const method = request.method;
    const path = pathOf(request.url);
    if (method !== "HEAD") return route(method, path, request);
    // HEAD as Hono answers it: the GET response's head, no body.
    const res = route("GET", path, request);
    res.body?.cancel();
    return new Response(null, res);
  },
};
