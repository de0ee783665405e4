/**
 * H2 strict-framing and H3 status-codes: each smuggling class is answered 400
 * with `Connection: close` and nothing after it is read; each limit and
 * timeout gets its status and closes the connection.
 *
 * @module
 */

import assert from "node:assert/strict";
import { RawConn, type RawResponse, saysClose } from "./_http-client.ts";
import { type HttpCase, type HttpTarget, marks, sleep, uid } from "./_http-case.ts";
import type { FixtureServer } from "./http-fixture.ts";

/**
 * Sends `bad`, then a valid request that would leave a mark; expects one
 * response with `status` and `Connection: close`, the connection closed, and
 * the mark never made (nothing after the bad request was read).
 */
async function refusedAndNothingAfter(
  t: HttpTarget,
  bad: string,
  status: number,
  server: FixtureServer = "main",
): Promise<RawResponse> {
  const id = uid("after");
  const conn = await RawConn.open(t.ports[server]);
  await conn.send(bad + `GET /mark/${id} HTTP/1.1\r\nHost: x\r\n\r\n`);
  const res = await conn.response();
  assert.equal(res.status, status, `status; response was ${JSON.stringify(res.raw.toString("latin1"))}`);
  assert.ok(saysClose(res), `Connection: close expected; got ${JSON.stringify(res.fields)}`);
  assert.ok(await conn.closesWithin(3_000), "the connection should close after the refusal");
  assert.equal(conn.pending.length, 0, `nothing may follow the refusal: ${conn.pending.toString("latin1")}`);
  await sleep(50);
  assert.equal(await marks(t, server, id), 0, "the request after the refusal must not be read");
  return res;
}

const SMUGGLING: Array<[string, string]> = [
  [
    "H2 CL with TE → 400, close, nothing read after",
    "POST /sink HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
  ],
  [
    "H2 two differing Content-Lengths → 400, close, nothing read after",
    "POST /sink HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
  ],
  [
    "H2 TE gzip (final coding not chunked) → 400, close, nothing read after",
    "POST /sink HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n",
  ],
  [
    "H2 chunked with a bad chunk size → 400, close, nothing read after",
    "POST /sink HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n",
  ],
  ["H2 obs-fold → 400, close, nothing read after", "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n"],
  ["H2 space before colon → 400, close, nothing read after", "GET / HTTP/1.1\r\nHost: x\r\nX-A : a\r\n\r\n"],
  ["H2 bare LF → 400, close, nothing read after", "GET / HTTP/1.1\r\nHost: x\nX-A: a\r\n\r\n"],
  ["H2 missing Host in HTTP/1.1 → 400, close, nothing read after", "GET / HTTP/1.1\r\nX-A: a\r\n\r\n"],
  ["H2 repeated Host → 400, close, nothing read after", "GET / HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n"],
];

/** Writes `count` chunks of `size` bytes chunked, stopping as soon as a response starts. */
async function chunkedUntilAnswered(conn: RawConn, size: number, count: number): Promise<void> {
  const chunk = Buffer.concat([
    Buffer.from(`${size.toString(16)}\r\n`),
    Buffer.alloc(size, 0x61),
    Buffer.from("\r\n"),
  ]);
  for (let i = 0; i < count && conn.pending.length === 0 && !conn.ended; i++) {
    await conn.send(chunk);
    await sleep(1);
  }
}

export const framingCases: HttpCase[] = [
  ...SMUGGLING.map(([name, bad]): HttpCase => ({
    name,
    run: async (t) => void await refusedAndNothingAfter(t, bad, 400),
  })),
  {
    name: "H3 505 for HTTP/2.0 in a 1.x request line",
    run: async (t) => void await refusedAndNothingAfter(t, "GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505),
  },
  {
    name: "H3 501 for an unknown transfer coding",
    run: async (t) =>
      void await refusedAndNothingAfter(
        t,
        "POST /sink HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: x-unknown, chunked\r\n\r\n0\r\n\r\n",
        501,
      ),
  },
  {
    name: "H3 431 header section over maxHeaderBytes",
    run: async (t) =>
      void await refusedAndNothingAfter(
        t,
        `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(5_000)}\r\n\r\n`,
        431,
        "strict",
      ),
  },
  {
    name: "H3 431 more fields than maxHeaderCount",
    run: async (t) => {
      const fields = Array.from({ length: 40 }, (_, i) => `X-F${i}: v\r\n`).join("");
      await refusedAndNothingAfter(t, `GET / HTTP/1.1\r\nHost: x\r\n${fields}\r\n`, 431, "strict");
    },
  },
  {
    name: "H3 414 URI over maxUriBytes",
    run: async (t) =>
      void await refusedAndNothingAfter(
        t,
        `GET /${"u".repeat(1_100)} HTTP/1.1\r\nHost: x\r\n\r\n`,
        414,
        "strict",
      ),
  },
  {
    name: "H3 413 body over maxBodyBytes by Content-Length",
    run: async (t) =>
      void await refusedAndNothingAfter(
        t,
        "POST /sink HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\n",
        413,
        "strict",
      ),
  },
  {
    name: "H3 413 body over maxBodyBytes by chunked total",
    run: async (t) => {
      const conn = await RawConn.open(t.ports.strict);
      await conn.send("POST /sink HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
      await chunkedUntilAnswered(conn, 64 * 1024, 24); // 1.5 MiB against a 1 MiB limit
      const res = await conn.response();
      assert.equal(res.status, 413);
      assert.ok(saysClose(res), "Connection: close expected");
      assert.ok(await conn.closesWithin(3_000), "the connection should close after 413");
    },
  },
  {
    name: "H3 408 headers timeout against a slowloris client",
    timeoutMs: 10_000,
    run: async (t) => {
      const conn = await RawConn.open(t.ports.strict);
      await conn.send("GET / HTTP/1.1\r\nHost: x\r\n");
      // One header line every 150 ms: never idle, never done (headersTimeoutMs is 600).
      const t0 = performance.now();
      for (let i = 0; i < 30 && conn.pending.length === 0 && !conn.ended; i++) {
        await conn.send(`X-Slow-${i}: a\r\n`);
        await sleep(150);
      }
      const res = await conn.response({ timeoutMs: 1_000 });
      assert.equal(res.status, 408);
      assert.ok(performance.now() - t0 >= 550, "408 before the headers timeout passed");
      assert.ok(await conn.closesWithin(3_000), "the connection should close after 408");
    },
  },
  {
    name: "H3 408 request timeout against a slow body",
    timeoutMs: 10_000,
    run: async (t) => {
      const conn = await RawConn.open(t.ports.strict);
      const t0 = performance.now();
      await conn.send("POST /sink HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n");
      // Ten bytes every 300 ms: never idle for long, never done (requestTimeoutMs is 1500).
      for (let i = 0; i < 9 && conn.pending.length === 0 && !conn.ended; i++) {
        await conn.send("0123456789");
        await sleep(300);
      }
      const res = await conn.response({ timeoutMs: 3_000 });
      assert.equal(res.status, 408);
      assert.ok(performance.now() - t0 >= 1_400, "408 before the request timeout passed");
      assert.ok(await conn.closesWithin(3_000), "the connection should close after 408");
    },
  },
];
