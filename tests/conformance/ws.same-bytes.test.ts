// The kernel engine's WebSocket bytes are the same on every runtime (as H1
// for HTTP): starts the WebSocket fixture under each runtime with the kernel
// engine, plays the same client bytes, and compares each runtime's answer —
// the 101 head, the frames, the closes the violations get — with the first
// runtime's.
import assert from "node:assert/strict";
import { afterAll, beforeAll, describe, it } from "vitest";
import { runtimes } from "./_spawn.ts";
import { startWsFixture, type WsFixture } from "./_ws.ts";
import { clientFrame, closeBody, inflateMessage, OP, RawWs, type ServerFrame } from "./_ws-client.ts";
import type { WsFixtureServer } from "./ws-fixture.ts";
import type { RuntimeId } from "./skips.ts";

interface Play {
  server?: WsFixtureServer;
  path?: string;
  headers?: Record<string, string>;
  /** Client frames, sent in one write. */
  send: Uint8Array[];
}

// server_no_context_takeover asked, so every runtime agrees to the same (where
// the runtime's zlib has no preset dictionaries the server would add it anyway).
const PMD = {
  "sec-websocket-extensions": "permessage-deflate; server_no_context_takeover; client_max_window_bits",
};
const cmd = (o: unknown) => clientFrame(OP.TEXT, JSON.stringify(o));

/** Exchanges whose bytes must be identical, each on a fresh connection. */
const PLAYS: Array<[string, Play]> = [
  ["101 and echoes of text, binary (7-, 16-, 64-bit lengths), ping, close", {
    send: [
      clientFrame(OP.TEXT, "héllo"),
      clientFrame(OP.BINARY, new Uint8Array(300).fill(7)),
      clientFrame(OP.BINARY, new Uint8Array(70000).fill(8)),
      clientFrame(OP.PING, "abc"),
      clientFrame(OP.CLOSE, closeBody(1000, "bye")),
    ],
  }],
  ["101 with a subprotocol and permessage-deflate, compressed echoes", {
    server: "compress",
    headers: { ...PMD, "sec-websocket-protocol": "chat.v1, chat.v2" },
    send: [
      clientFrame(OP.TEXT, '{"a":1,"b":"two"},'.repeat(40)),
      clientFrame(OP.TEXT, '{"a":1,"b":"two"},'.repeat(40)),
      clientFrame(OP.CLOSE, closeBody(1000)),
    ],
  }],
  ["server close with code and reason", {
    path: "/ws/cmd?id=same",
    send: [
      cmd({ op: "close", code: 4000, reason: "server says bye" }),
      clientFrame(OP.CLOSE, closeBody(4000)),
    ],
  }],
  ["1002 for a reserved bit", { send: [clientFrame(OP.TEXT, "x", { rsv: 2 })] }],
  ["1002 for an unmasked frame", { send: [clientFrame(OP.TEXT, "x", { mask: false })] }],
  ["1007 for invalid UTF-8", {
    send: [clientFrame(OP.TEXT, new Uint8Array([0xce, 0xba, 0xed, 0xa0, 0x80]))],
  }],
  ["1009 over maxPayloadLength", { server: "small", send: [clientFrame(OP.BINARY, new Uint8Array(65537))] }],
  ["1011 for a handler throw", {
    path: "/ws/cmd?id=same",
    send: [
      cmd({ op: "fail", how: "throw" }),
      clientFrame(OP.TEXT, "boom"),
      clientFrame(OP.CLOSE, closeBody(1011)),
    ],
  }],
  ["426 for version 8", { headers: { "sec-websocket-version": "8" }, send: [] }],
];

/**
 * The answer's head (Date masked) and every frame until the connection ends,
 * as hex. A compressed frame shows its first byte and what it inflates to:
 * the deflate stream is the runtime's zlib's, and Bun's build picks other
 * matches than Node's and Deno's (both valid, and they differ in bytes).
 */
async function transcript(port: number, play: Play): Promise<string> {
  const c = await RawWs.open(port, play.path ?? "/ws/echo?id=same", play.headers);
  if (play.send.length > 0) await c.send(...play.send);
  const frames = c.head.startsWith("HTTP/1.1 101") ? await c.rest(5_000) : [];
  c.destroy();
  const head = c.head.replace(/^(date: ).*$/gim, "$1<masked>");
  const hex = (f: ServerFrame) =>
    (f.rsv & 4) === 0
      ? f.raw.toString("hex")
      : `${f.raw[0].toString(16)} deflated ${inflateMessage(f.payload).toString("hex")}`;
  return [head, ...frames.map(hex)].join("\n");
}

describe("WS same-bytes: the kernel engine's WebSocket bytes are identical on every runtime", () => {
  const available = runtimes().filter((r) => r.available);
  const fixtures = new Map<RuntimeId, WsFixture>();
  beforeAll(async () => {
    for (const rt of available) fixtures.set(rt.id, await startWsFixture(rt.id, "kernel"));
  }, 120_000);
  afterAll(async () => {
    for (const f of fixtures.values()) await f.stop();
  });
  for (const [what, play] of PLAYS) {
    it(`WS1 same bytes: ${what}`, async () => {
      const got: Array<[RuntimeId, string]> = [];
      for (const [id, f] of fixtures) {
        got.push([id, await transcript(f.target.ports[play.server ?? "plain"], play)]);
      }
      const [firstId, first] = got[0];
      for (const [id, bytes] of got.slice(1)) assert.equal(bytes, first, `${id} differs from ${firstId}`);
    });
  }
  it.skipIf(available.length === 4)(
    `WS1 same bytes — compared on ${available.map((r) => r.id).join(", ")} only`,
    () => {},
  );
});
