/**
 * H8 streaming (a 192 MiB upload, a 50 MiB download; backpressure, echo), H9 abort on
 * disconnect, H10 handler errors, H11 body kinds, headers and routing, H12
 * connection info.
 *
 * @module
 */

import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { RawConn } from "./_http-client.ts";
import {
  abortReason,
  aborts,
  getText,
  type HttpCase,
  type HttpTarget,
  poll,
  sleep,
  uid,
  url,
} from "./_http-case.ts";
import { memoryOf, resetPeak } from "../e2e/_server.ts";
import { DOWNLOAD_BLOCK } from "./http-fixture.ts";

const MiB = 1024 * 1024;
const BIG = 50 * MiB;
/**
 * What the slow reader's 50 MiB download may add to the server's peak RSS. A
 * server that produces faster than the client reads without backpressure
 * grows by most of the 50 MiB; a paced one by its buffers (measured here at
 * up to ~18 MiB).
 */
const RSS_BUDGET = 40 * MiB;
/**
 * The upload is bigger than the download, because its garbage is bigger: each
 * socket read hands the server a fresh buffer, and V8 and JSC free buffer
 * memory only when external allocation passes a soft limit (64 MiB in V8). A
 * streaming server's peak therefore grows by up to about that limit
 * (measured at 2-42 MiB for a 50 MiB upload, the 42 under a full CI run, and
 * at up to 54 MiB for 128 MiB), while a server that holds the body grows by
 * all of it. 192 MiB against a 112 MiB budget keeps both apart by a wide
 * margin.
 */
const BIG_UPLOAD = 192 * MiB;
const UPLOAD_RSS_BUDGET = 112 * MiB;

/** Peak RSS growth of `pid` while `work` runs. */
async function peakGrowth(pid: number, work: () => Promise<void>): Promise<number> {
  const reset = resetPeak(pid);
  const start = memoryOf(pid);
  if (start === undefined) throw new Error(`no /proc/${pid}/status to measure the server's memory`);
  await work();
  return memoryOf(pid)!.peak - (reset ? start.rss : start.peak);
}

/** Uploads `mebibytes` MiB chunked to `/hash` (fetch streams it); returns the server's and our hash. */
async function upload(t: HttpTarget, mebibytes: number) {
  const hash = createHash("sha256");
  const block = randomBytes(MiB);
  let sent = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(ctrl) {
      if (sent === mebibytes) return ctrl.close();
      const chunk = Uint8Array.from(block);
      chunk.fill(sent, 0, 8); // every MiB differs, so order matters
      hash.update(chunk);
      ctrl.enqueue(chunk);
      sent++;
    },
  }, { highWaterMark: 0 });
  const res = await fetch(url(t, "main", "/hash"), { method: "POST", body, duplex: "half" } as RequestInit);
  const got = await res.json() as { bytes: number; sha256: string };
  return { ...got, expected: hash.digest("hex") };
}

/**
 * A client that goes away after `ms` (or as soon as `until` is seen): by
 * closing its socket (a FIN, what a closed tab or a killed process sends), or
 * with a reset.
 */
async function leaveAfter(port: number, path: string, ms: number, until?: string, reset = false) {
  const conn = await RawConn.open(port);
  await conn.send(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`);
  const end = performance.now() + ms;
  while (performance.now() < end && !(until !== undefined && conn.pending.includes(until))) await sleep(10);
  if (reset) conn.tcp.resetAndDestroy();
  else conn.destroy();
}

/** Fetches `/kind/<kind>` raw and checks status, fields and body. */
function kindCase(kind: string, type: RegExp | null, body: RegExp | string, fixedLength: boolean): HttpCase {
  return {
    name: `H11 body kind ${kind}: right Content-Type and ${fixedLength ? "Content-Length" : "framing"}`,
    run: async (t) => {
      const conn = await RawConn.open(t.ports.main);
      await conn.send(`GET /kind/${kind} HTTP/1.1\r\nHost: x\r\n\r\n`);
      const res = await conn.response();
      conn.destroy();
      assert.equal(res.status, 200);
      if (type !== null) assert.match(res.get("content-type") ?? "(none)", type);
      const text = res.body.toString("latin1");
      if (typeof body === "string") assert.equal(text, body);
      else assert.match(text, body);
      if (fixedLength) {
        assert.equal(res.get("content-length"), String(res.body.length), "a fixed body has Content-Length");
        assert.ok(!res.chunked, "a fixed body is not chunked");
      } else {
        assert.ok(res.chunked || res.get("content-length") === String(res.body.length), "framed");
      }
    },
  };
}

export const bodyCases: HttpCase[] = [
  {
    name: "H8 chunked upload of 192 MiB streamed from the client, hashed by the server",
    serial: true,
    timeoutMs: 60_000,
    run: async (t) => {
      // A first, smaller upload lets the server's heap reach its working size,
      // so the peak measured next is what the big body costs.
      assert.equal((await upload(t, 16)).bytes, 16 * MiB);
      let result: { bytes: number; sha256: string; expected: string } | undefined;
      const growth = await peakGrowth(t.pid, async () => void (result = await upload(t, BIG_UPLOAD / MiB)));
      assert.equal(result?.bytes, BIG_UPLOAD);
      assert.equal(result?.sha256, result?.expected);
      assert.ok(
        growth < UPLOAD_RSS_BUDGET,
        `server peak RSS grew ${(growth / MiB).toFixed(1)} MiB for a streamed upload`,
      );
    },
  },
  {
    name: "H8 streamed download of 50 MiB to a slow reader with bounded server RSS",
    serial: true,
    timeoutMs: 60_000,
    run: async (t) => {
      const expected = createHash("sha256");
      for (let i = 0; i < BIG / DOWNLOAD_BLOCK.byteLength; i++) expected.update(DOWNLOAD_BLOCK);
      const hash = createHash("sha256");
      let received = 0;
      const growth = await peakGrowth(t.pid, async () => {
        const res = await fetch(url(t, "main", `/download/${BIG}`));
        const reader = res.body!.getReader();
        let nextPause = 2 * MiB;
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          hash.update(value);
          received += value.byteLength;
          if (received >= nextPause) {
            nextPause += 2 * MiB;
            await sleep(20); // slower than the server can produce
          }
        }
      });
      assert.equal(received, BIG);
      assert.equal(hash.digest("hex"), expected.digest("hex"));
      assert.ok(
        growth < RSS_BUDGET,
        `server peak RSS grew ${(growth / MiB).toFixed(1)} MiB for a slow reader`,
      );
    },
  },
  {
    name: "H8 request body backpressure: reads pause while the handler does not consume",
    serial: true,
    timeoutMs: 30_000,
    run: async (t) => {
      const total = 48 * MiB;
      const conn = await RawConn.open(t.ports.main);
      await conn.send(`POST /stall-sink HTTP/1.1\r\nHost: x\r\nContent-Length: ${total}\r\n\r\n`);
      const piece = Buffer.alloc(256 * 1024, 0x63);
      let flushed = 0;
      let flushedAtStall = -1;
      setTimeout(() => (flushedAtStall = flushed), 700); // the handler reads nothing for 1 s
      for (let at = 0; at < total; at += piece.length) {
        await new Promise<void>((resolve) => conn.socket.write(piece, () => resolve()));
        flushed += piece.length;
      }
      const res = await conn.response({ timeoutMs: 20_000 });
      conn.destroy();
      assert.equal(res.body.toString(), String(total));
      assert.ok(
        flushedAtStall >= 0 && flushedAtStall < 24 * MiB,
        `the server took ${(flushedAtStall / MiB).toFixed(1)} MiB while its handler read nothing`,
      );
    },
  },
  {
    name: "H8 a response stream of many chunks arrives whole and in order",
    run: async (t) => {
      const text = await getText(t, "main", "/chunks/300");
      const lines = text.trimEnd().split("\n");
      assert.equal(lines.length, 300);
      lines.forEach((line, i) => assert.equal(line, `chunk ${i}`));
    },
  },
  {
    name: "H8 echo streams both ways: the first part comes back before the rest is sent",
    run: async (t) => {
      const conn = await RawConn.open(t.ports.main);
      await conn.send("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nhello \r\n");
      const end = performance.now() + 5_000;
      while (!conn.pending.includes("hello ") && performance.now() < end && !conn.ended) await sleep(10);
      assert.ok(conn.pending.includes("hello "), "the first part should be echoed while the body is open");
      await conn.send("5\r\nworld\r\n0\r\n\r\n");
      const res = await conn.response();
      assert.equal(res.body.toString(), "hello world");
      conn.destroy();
    },
  },
  ...[false, true].map((reset): HttpCase => ({
    name: `H9 a client gone before the response (${reset ? "reset" : "closed"}) aborts request.signal once`,
    run: async (t) => {
      const id = uid("hang");
      await leaveAfter(t.ports.main, `/hang/${id}`, 300, undefined, reset);
      assert.equal(await poll(() => aborts(t, id), (n) => n > 0, 3_000), 1);
      // The reason fetch's own aborts carry, on every engine.
      assert.equal(await abortReason(t, id), "DOMException:AbortError");
      await sleep(300);
      assert.equal(await aborts(t, id), 1, "aborted more than once");
    },
  })),
  {
    name: "H9 a client gone mid-stream aborts request.signal once",
    run: async (t) => {
      const id = uid("drip");
      await leaveAfter(t.ports.main, `/drip/${id}`, 3_000, "tick");
      assert.equal(await poll(() => aborts(t, id), (n) => n > 0, 3_000), 1);
      assert.equal(await abortReason(t, id), "DOMException:AbortError");
      await sleep(300);
      assert.equal(await aborts(t, id), 1, "aborted more than once");
    },
  },
  {
    name: "H9 a completed response never aborts request.signal",
    run: async (t) => {
      const id = uid("normal");
      await leaveAfter(t.ports.main, `/normal/${id}`, 3_000, "normal");
      await sleep(400);
      assert.equal(await aborts(t, id), 0, "the signal aborted after a normal response");
    },
  },
  ...["throw", "reject"].map((how): HttpCase => ({
    name: `H10 a handler ${
      how === "throw" ? "throw" : "rejection"
    } is answered 500, reported, and the connection goes on`,
    run: async (t) => {
      const before = Number(await getText(t, "main", "/errors"));
      const conn = await RawConn.open(t.ports.main);
      await conn.send(`GET /${how} HTTP/1.1\r\nHost: x\r\n\r\nGET /n/1 HTTP/1.1\r\nHost: x\r\n\r\n`);
      assert.equal((await conn.response()).status, 500);
      const next = await conn.response();
      assert.equal(next.body.toString(), "1", "the connection should go on after a 500");
      conn.destroy();
      assert.ok(Number(await getText(t, "main", "/errors")) > before, "onError should be told");
    },
  })),
  kindCase("null", null, "", true),
  kindCase("string", /^text\/plain;\s*charset=utf-8$/i, "a string body", true),
  kindCase("bytes", null, "some bytes", true),
  kindCase("blob", /^text\/x-blob$/, "a blob body", true),
  kindCase(
    "urlsearchparams",
    /^application\/x-www-form-urlencoded;\s*charset=utf-8$/i,
    "a=1&b=two+words",
    true,
  ),
  kindCase("stream", null, "one two three", false),
  kindCase("formdata", /^multipart\/form-data; boundary=/, /name="field"\r\n\r\nvalue\r\n/, false),
  {
    name: "H11 repeated Set-Cookie fields are kept",
    run: async (t) => {
      const res = await fetch(url(t, "main", "/cookies"));
      assert.deepEqual(res.headers.getSetCookie(), ["a=1; Path=/", "b=2; HttpOnly"]);
      assert.equal(await res.text(), "two cookies");
    },
  },
  {
    name: "H11 routes: text, JSON, status only, 404",
    run: async (t) => {
      const text = await fetch(url(t, "main", "/"));
      assert.equal(await text.text(), "Hello, World!");
      const json = await fetch(url(t, "main", "/json"));
      assert.match(json.headers.get("content-type") ?? "", /^application\/json/);
      assert.deepEqual(await json.json(), { ok: true, runtime: "object" });
      const created = await fetch(url(t, "main", "/status/201"));
      assert.equal(created.status, 201);
      const missing = await fetch(url(t, "main", "/no/such/route"));
      assert.equal(missing.status, 404);
      await missing.arrayBuffer();
    },
  },
  {
    name: "H11 request fields reach the handler (repeated ones joined)",
    run: async (t) => {
      const conn = await RawConn.open(t.ports.main);
      await conn.send("GET /headers HTTP/1.1\r\nHost: x\r\nX-Custom: Some Value\r\nX-A: 1\r\nX-A: 2\r\n\r\n");
      const res = await conn.response();
      conn.destroy();
      const fields = new Map(JSON.parse(res.body.toString()) as Array<[string, string]>);
      assert.equal(fields.get("x-custom"), "Some Value");
      assert.equal(fields.get("x-a"), "1, 2");
      assert.equal(fields.get("host"), "x");
    },
  },
  {
    name: "H12 conn info: /ip gives 127.0.0.1 and the client's port",
    run: async (t) => {
      const conn = await RawConn.open(t.ports.main);
      await conn.send("GET /ip HTTP/1.1\r\nHost: x\r\n\r\n");
      const res = await conn.response();
      const info = JSON.parse(res.body.toString()) as { address: string; port: number };
      assert.equal(info.address.replace(/^::ffff:/, ""), "127.0.0.1");
      assert.equal(info.port, conn.socket.localPort);
      conn.destroy();
    },
  },
];
