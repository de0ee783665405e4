/**
 * The app the HTTP conformance suite talks to: a Hono app with a route per
 * case, plus a few routes in front of Hono where the case needs the server
 * itself to see the handler's behaviour (a throw reaching `onError`, a body
 * on a HEAD answer). `http.runner.ts` serves it once per limit set in
 * {@link fixtureLimits}. The fixture records what the client cannot see
 * (aborted signals, marks, handler errors) and exposes routes to read it.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { Hono } from "hono";
import type { HttpLimits, ServeInfo, Server } from "../../core/types.ts";
import { getConnInfo } from "../../core/fetch/conn-info.ts";

const KiB = 1024;
const MiB = 1024 * KiB;

/**
 * The servers the suite needs, each with its limits: `main` for everything
 * that should pass untouched (the 192 MiB upload fits), `strict` for the limits and
 * timeouts, `conns` and `reqs` for the two limits that would get in the way
 * of concurrent cases.
 */
export const fixtureLimits = {
  main: { maxBodyBytes: 256 * MiB },
  strict: {
    maxHeaderBytes: 4 * KiB,
    maxUriBytes: 1 * KiB,
    maxHeaderCount: 30,
    maxBodyBytes: 1 * MiB,
    headersTimeoutMs: 600,
    requestTimeoutMs: 1_500,
    keepAliveTimeoutMs: 600,
  },
  conns: { maxConnections: 3 },
  reqs: { maxRequestsPerConnection: 3 },
  /** Closed by the graceful-close case (through `/admin/close/drain`). */
  drain: {},
} satisfies Record<string, HttpLimits>;

/** The name of a fixture server. */
export type FixtureServer = keyof typeof fixtureLimits;

/** One 64 KiB block of the download pattern; the suite hashes the same bytes. */
export const DOWNLOAD_BLOCK: Uint8Array = (() => {
  const out = new Uint8Array(64 * KiB);
  let x = 7;
  for (let i = 0; i < out.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
})();

const servers = new Map<string, Server>();

/** Gives the fixture its servers, for `/admin/stats/:name` and `/admin/close/:name/:graceMs`. */
export function setServers(all: Record<string, Server>): void {
  for (const [name, server] of Object.entries(all)) servers.set(name, server);
}

const marks = new Map<string, number>();
const aborts = new Map<string, number>();
let handlerErrors = 0;

function bump(map: Map<string, number>, id: string): void {
  map.set(id, (map.get(id) ?? 0) + 1);
}

/** The reason of the last abort under `id`, as `Class:name` (H9). */
const abortReasons = new Map<string, string>();

/** Counts `request.signal` aborts under `id`, and keeps the reason's kind (H9). */
function watchAbort(request: Request, id: string): void {
  const signal = request.signal;
  signal.addEventListener("abort", () => {
    bump(aborts, id);
    const reason = signal.reason as { constructor?: { name?: string }; name?: string } | undefined;
    abortReasons.set(id, `${reason?.constructor?.name}:${reason?.name}`);
  });
}

/** Told of every handler error by the server (`onError`, H10). */
export function recordError(_err: unknown): void {
  handlerErrors++;
}

/** Reads `body` to its end, one chunk at a time (the lib types have no async iterator on streams). */
async function eachChunk(body: ReadableStream<Uint8Array> | null, each: (chunk: Uint8Array) => void) {
  if (body === null) return;
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    each(value);
  }
}

const app = new Hono<{ Bindings: ServeInfo }>();

app.get("/", (c) => c.text("Hello, World!"));
app.get("/h1", (c) => c.text("same bytes\n", 200, { "x-fixture": "h1" }));
app.get("/json", (c) => c.json({ ok: true, runtime: typeof globalThis }));
app.get("/headers", (c) => c.json([...c.req.raw.headers]));
app.get("/ip", (c) => c.json(getConnInfo(c).remote));
app.get("/url", (c) => c.text(c.req.url));
app.get("/status/:code", (c) => new Response(null, { status: Number(c.req.param("code")) }));
app.get("/cookies", (c) => {
  c.header("set-cookie", "a=1; Path=/", { append: true });
  c.header("set-cookie", "b=2; HttpOnly", { append: true });
  return c.text("two cookies");
});

/** H11: one route per Response body kind. */
app.get("/kind/:kind", (c) => {
  switch (c.req.param("kind")) {
    case "null":
      return new Response(null, { status: 200, headers: { "x-kind": "null" } });
    case "string":
      return new Response("a string body");
    case "bytes":
      return new Response(new TextEncoder().encode("some bytes"));
    case "blob":
      return new Response(new Blob(["a blob body"], { type: "text/x-blob" }));
    case "stream":
      return new Response(
        new ReadableStream({
          start(ctrl) {
            for (const part of ["one ", "two ", "three"]) ctrl.enqueue(new TextEncoder().encode(part));
            ctrl.close();
          },
        }),
      );
    case "formdata": {
      const form = new FormData();
      form.set("field", "value");
      return new Response(form);
    }
    case "urlsearchparams":
      return new Response(new URLSearchParams({ a: "1", b: "two words" }));
  }
  return c.notFound();
});

app.post("/echo", (c) =>
  new Response(c.req.raw.body, {
    headers: { "content-type": c.req.header("content-type") ?? "application/octet-stream" },
  }));

/** Hashes the request body as it streams in (the 192 MiB upload). */
app.post("/hash", async (c) => {
  const hash = createHash("sha256");
  let bytes = 0;
  await eachChunk(c.req.raw.body, (chunk) => {
    hash.update(chunk);
    bytes += chunk.byteLength;
  });
  return c.json({ bytes, sha256: hash.digest("hex") });
});

/** Reads and counts the body (limits, 100-continue). */
app.post("/sink", async (c) => {
  let bytes = 0;
  await eachChunk(c.req.raw.body, (chunk) => (bytes += chunk.byteLength));
  return c.text(String(bytes));
});

/** Streams `:bytes` bytes of the download pattern, one block per pull (backpressure). */
app.get("/download/:bytes", (c) => {
  let left = Number(c.req.param("bytes"));
  return new Response(
    new ReadableStream<Uint8Array>({
      pull(ctrl) {
        if (left <= 0) return ctrl.close();
        const n = Math.min(left, DOWNLOAD_BLOCK.byteLength);
        ctrl.enqueue(DOWNLOAD_BLOCK.slice(0, n));
        left -= n;
      },
    }, { highWaterMark: 0 }),
    { headers: { "content-type": "application/octet-stream" } },
  );
});

/** Many small chunks, produced over time. */
app.get("/chunks/:n", (c) => {
  let i = 0;
  const n = Number(c.req.param("n"));
  return new Response(
    new ReadableStream<Uint8Array>({
      async pull(ctrl) {
        if (i === n) return ctrl.close();
        if (i % 10 === 9) await new Promise((r) => setTimeout(r, 1));
        ctrl.enqueue(new TextEncoder().encode(`chunk ${i++}\n`));
      },
    }),
  );
});

app.get("/n/:i", (c) => c.text(c.req.param("i")));
app.get("/say-close", (c) => c.text("bye", 200, { connection: "close" }));

/** Reads nothing for a second, then counts the body (request backpressure, H8). */
app.post("/stall-sink", async (c) => {
  await new Promise((r) => setTimeout(r, 1_000));
  let bytes = 0;
  await eachChunk(c.req.raw.body, (chunk) => (bytes += chunk.byteLength));
  return c.text(String(bytes));
});

/** Answers after `:ms` (an in-flight request for the graceful close). */
app.get("/slow/:ms", async (c) => {
  await new Promise((r) => setTimeout(r, Number(c.req.param("ms"))));
  return c.text("slow");
});

app.get("/admin/stats/:name", (c) => c.json(servers.get(c.req.param("name"))?.stats() ?? null));
app.get("/admin/close/:name/:graceMs", async (c) => {
  const server = servers.get(c.req.param("name"));
  if (server === undefined) return c.notFound();
  return c.json(await server.close({ graceMs: Number(c.req.param("graceMs")) }));
});

app.get("/mark/:id", (c) => {
  bump(marks, c.req.param("id"));
  return c.text("marked");
});
app.get("/marks/:id", (c) => c.text(String(marks.get(c.req.param("id")) ?? 0)));
app.get("/aborts/:id", (c) => c.text(String(aborts.get(c.req.param("id")) ?? 0)));
app.get("/abort-reason/:id", (c) => c.text(abortReasons.get(c.req.param("id")) ?? "none"));
app.get("/errors", (c) => c.text(String(handlerErrors)));

/** H9: never answers until the client goes away (or 20 s pass). */
app.get("/hang/:id", async (c) => {
  const signal = c.req.raw.signal;
  watchAbort(c.req.raw, c.req.param("id"));
  await new Promise((r) => {
    const timer = setTimeout(r, 20_000);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      r(undefined);
    });
  });
  return c.text("late");
});

/** H9: a response that starts, then drips until the client goes away. */
app.get("/drip/:id", (c) => {
  watchAbort(c.req.raw, c.req.param("id"));
  let timer: ReturnType<typeof setInterval> | undefined;
  let ticks = 0;
  return new Response(
    new ReadableStream<Uint8Array>({
      start(ctrl) {
        ctrl.enqueue(new TextEncoder().encode("first\n"));
        timer = setInterval(() => {
          if (++ticks > 400) {
            clearInterval(timer);
            ctrl.close();
          } else ctrl.enqueue(new TextEncoder().encode("tick\n"));
        }, 50);
      },
      cancel() {
        clearInterval(timer);
      },
    }),
  );
});

/** H9: a normal response; its signal must never abort. */
app.get("/normal/:id", (c) => {
  watchAbort(c.req.raw, c.req.param("id"));
  return c.text("normal");
});

/**
 * The fixture's fetch handler. `/throw`, `/reject` and `/raw-head` bypass
 * Hono: Hono answers a throw itself (so `onError` would never see it) and
 * turns HEAD into a body-less GET (so the server could not show it sends
 * GET's Content-Length without the body).
 */
export function fetch(request: Request, info: ServeInfo): Response | Promise<Response> {
  const url = request.url;
  const path = url.slice(url.indexOf("/", url.indexOf("//") + 2));
  if (path === "/throw") throw new Error("fixture: thrown on purpose");
  if (path === "/reject") return Promise.reject(new Error("fixture: rejected on purpose"));
  if (path === "/raw-head") return new Response("twelve bytes", { headers: { "x-raw": "yes" } });
  return app.fetch(request, info);
}

export default { fetch };
