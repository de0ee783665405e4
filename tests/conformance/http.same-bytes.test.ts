// H1 same-bytes: the kernel engine writes the same response bytes on every
// runtime. Starts the fixture under each runtime with the kernel engine,
// sends the same requests, and compares each runtime's bytes (the Date
// value masked) with the first runtime's.
import assert from "node:assert/strict";
import { afterAll, beforeAll, describe, it } from "vitest";
import { runtimes } from "./_spawn.ts";
import { type Fixture, startFixture } from "./_http.ts";
import { RawConn } from "./_http-client.ts";
import type { RuntimeId } from "./skips.ts";

/** Requests whose answers must be byte-identical, each on a fresh connection. */
const REQUESTS: Array<[string, string]> = [
  ["text with a custom field", "GET /h1 HTTP/1.1\r\nHost: x\r\n\r\n"],
  ["JSON", "GET /json HTTP/1.1\r\nHost: x\r\n\r\n"],
  ["two Set-Cookie", "GET /cookies HTTP/1.1\r\nHost: x\r\n\r\n"],
  ["null body", "GET /kind/null HTTP/1.1\r\nHost: x\r\n\r\n"],
  ["bytes body", "GET /kind/bytes HTTP/1.1\r\nHost: x\r\n\r\n"],
  ["Blob body", "GET /kind/blob HTTP/1.1\r\nHost: x\r\n\r\n"],
  ["URLSearchParams body", "GET /kind/urlsearchparams HTTP/1.1\r\nHost: x\r\n\r\n"],
  ["stream body", "GET /kind/stream HTTP/1.1\r\nHost: x\r\n\r\n"],
  ["404", "GET /no/such/route HTTP/1.1\r\nHost: x\r\n\r\n"],
  ["echo", "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: text/x-e\r\nContent-Length: 5\r\n\r\nhello"],
  ["HEAD", "HEAD /raw-head HTTP/1.1\r\nHost: x\r\n\r\n"],
  ["HTTP/1.0", "GET /n/1 HTTP/1.0\r\n\r\n"],
  ["client close", "GET /n/2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"],
  ["handler throw (500)", "GET /throw HTTP/1.1\r\nHost: x\r\n\r\n"],
  [
    "smuggling refusal (400)",
    "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
  ],
  ["version refusal (505)", "GET / HTTP/2.0\r\nHost: x\r\n\r\n"],
];

/** The bytes of the first response to `request`, with the Date value masked. */
async function answer(port: number, request: string): Promise<string> {
  const conn = await RawConn.open(port);
  await conn.send(request);
  const res = await conn.response({ head: request.startsWith("HEAD") });
  conn.destroy();
  return res.raw.toString("latin1").replace(/^(date: ).*$/gim, "$1<masked>");
}

describe("H1 same-bytes: the kernel engine's responses are identical on every runtime", () => {
  const available = runtimes().filter((r) => r.available);
  const fixtures = new Map<RuntimeId, Fixture>();
  beforeAll(async () => {
    for (const rt of available) fixtures.set(rt.id, await startFixture(rt.id, "kernel"));
  }, 120_000);
  afterAll(async () => {
    for (const f of fixtures.values()) await f.stop();
  });
  for (const [what, request] of REQUESTS) {
    it(`H1 same bytes: ${what}`, async () => {
      const got: Array<[RuntimeId, string]> = [];
      for (const [id, f] of fixtures) got.push([id, await answer(f.target.ports.main, request)]);
      const [firstId, first] = got[0];
      for (const [id, bytes] of got.slice(1)) {
        assert.equal(bytes, first, `${id} differs from ${firstId}`);
      }
    });
  }
  it.skipIf(available.length === 4)(
    `H1 same bytes — compared on ${available.map((r) => r.id).join(", ")} only; missing: ${
      runtimes().filter((r) => !r.available).map((r) => `${r.id} (${r.reason})`).join(", ")
    }`,
    () => {},
  );
});
