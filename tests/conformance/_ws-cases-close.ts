/**
 * Close handling: the Autobahn testsuite's section 7 (codes, reasons,
 * invalid payloads, data after a close), and the close side of the API
 * (WS6): the handler's code and reason, server-initiated close, terminate,
 * the 5 s limit on an unanswered close handshake.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  bytes,
  client,
  describe,
  expectFail,
  expectFrame,
  log,
  logUntil,
  raw,
  serverClose,
  type WsCase,
} from "./_ws-case.ts";
import { clientFrame, closeBody, closeOf, OP } from "./_ws-client.ts";

/** Sends `stream`, then expects exactly one close frame with `code` back, then the end. */
async function expectCloseEcho(
  t: Parameters<WsCase["run"]>[0],
  stream: Uint8Array[],
  code: number,
  what: string,
) {
  const c = await raw(t, "cmd");
  await c.send(...stream);
  const frames = await c.rest();
  assert.equal(frames.length, 1, `${what}: ${describe(frames)}`);
  assert.equal(closeOf(frames[0]).code, code, `${what}: ${describe(frames)}`);
  assert.ok(c.ended, `${what}: not ended`);
  return c;
}

const VALID_CODES = [
  1000,
  1001,
  1002,
  1003,
  1007,
  1008,
  1009,
  1010,
  1011,
  1012,
  1013,
  1014,
  3000,
  3999,
  4000,
  4999,
];
const INVALID_CODES = [0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535];

export const closeCases: WsCase[] = [
  {
    name: "WS6 7.1.1 a message then a close: the echo, then the close answered with its code",
    async run(t) {
      const c = await raw(t);
      await c.send(clientFrame(OP.TEXT, "Hello World!"), clientFrame(OP.CLOSE, closeBody(1000)));
      await expectFrame(c, OP.TEXT, "Hello World!", "echo");
      const frames = await c.rest();
      assert.equal(frames.length, 1, describe(frames));
      assert.deepEqual(closeOf(frames[0]), { code: 1000, reason: "" });
      assert.ok(c.ended);
    },
  },
  {
    name: "WP5 7.1.2-7.1.4 after a close nothing is read: a second close, a ping, a message get no answer",
    async run(t) {
      const c = await expectCloseEcho(
        t,
        [
          clientFrame(OP.CLOSE, closeBody(1000)),
          clientFrame(OP.CLOSE, closeBody(1001)),
          clientFrame(OP.PING, "no pong"),
          clientFrame(OP.TEXT, JSON.stringify({ op: "info" })),
        ],
        1000,
        "close, close, ping, text",
      );
      assert.equal((await serverClose(t, c.id)).close, 1000);
      const l = await log(t, c.id);
      assert.deepEqual(l.filter((e) => "ping" in e), [], "the ping was not read");
    },
  },
  {
    name:
      "WP5 7.1.5 a fragment, a close, the last fragment: the close is answered, the message never arrives",
    async run(t) {
      await expectCloseEcho(
        t,
        [
          clientFrame(OP.TEXT, "fragment1", { fin: false }),
          clientFrame(OP.CLOSE, closeBody(1000)),
          clientFrame(OP.CONT, "fragment2"),
        ],
        1000,
        "fragment, close, fragment",
      );
    },
  },
  {
    name: "WP5 7.1.6 a 256 KiB message, a close, a ping: the echo, the close, no pong",
    async run(t) {
      const c = await raw(t);
      const msg = bytes(256 * 1024, 9);
      await c.send(
        clientFrame(OP.BINARY, msg),
        clientFrame(OP.CLOSE, closeBody(1000)),
        clientFrame(OP.PING, "x"),
      );
      await expectFrame(c, OP.BINARY, msg, "echo");
      const frames = await c.rest();
      assert.equal(frames.length, 1, describe(frames));
      assert.equal(closeOf(frames[0]).code, 1000);
    },
  },
  {
    name: "WS6 7.3.1 a close without payload is answered without one; the handler gets 1005",
    async run(t) {
      const c = await raw(t, "cmd");
      await c.send(clientFrame(OP.CLOSE, new Uint8Array(0)));
      const frames = await c.rest();
      assert.equal(frames.length, 1, describe(frames));
      assert.equal(frames[0].opcode, OP.CLOSE);
      assert.equal(frames[0].payload.length, 0, "an empty close answers an empty close");
      assert.deepEqual(await serverClose(t, c.id), { close: 1005, reason: "", readyState: 3 });
    },
  },
  {
    name: "WP2 7.3.2 a close payload of 1 byte fails with 1002",
    async run(t) {
      const c = await raw(t);
      await c.send(clientFrame(OP.CLOSE, new Uint8Array([0x03])));
      await expectFail(c, 1002, "1-byte close");
    },
  },
  {
    name:
      "WS6 7.3.3-7.3.5 a close with a code, a reason, a 123-byte reason: the code comes back, the handler gets both",
    async run(t) {
      const reasons = ["", "Hello World!", "*".repeat(123)];
      await Promise.all(reasons.map(async (reason) => {
        const c = await expectCloseEcho(
          t,
          [clientFrame(OP.CLOSE, closeBody(1000, reason))],
          1000,
          `reason "${reason}"`,
        );
        assert.deepEqual(await serverClose(t, c.id), { close: 1000, reason, readyState: 3 });
      }));
    },
  },
  {
    name: "WP2 7.3.6 a close reason of 124 bytes (a 126-byte control frame) fails with 1002",
    async run(t) {
      const c = await raw(t);
      await c.send(clientFrame(OP.CLOSE, closeBody(1000, "*".repeat(124))));
      await expectFail(c, 1002, "126-byte close");
    },
  },
  {
    name: "WP3 7.5.1 a close reason that is not UTF-8 fails with 1007",
    async run(t) {
      const c = await raw(t);
      const payload = Buffer.concat([
        Buffer.from([0x03, 0xe8]),
        Buffer.from("cebae1bdb9cf83cebcceb5eda080656469746564", "hex"),
      ]);
      await c.send(clientFrame(OP.CLOSE, payload));
      await expectFail(c, 1007, "bad reason");
    },
  },
  {
    name: "WS6 7.7 every valid close code is answered and reaches the close handler",
    async run(t) {
      await Promise.all(VALID_CODES.map(async (code) => {
        const c = await expectCloseEcho(t, [clientFrame(OP.CLOSE, closeBody(code))], code, `code ${code}`);
        assert.equal((await serverClose(t, c.id)).close, code);
      }));
    },
  },
  {
    name: "WP2 7.9 7.13 a close code no peer may send fails with 1002",
    async run(t) {
      await Promise.all(INVALID_CODES.map(async (code) => {
        const c = await raw(t);
        await c.send(clientFrame(OP.CLOSE, closeBody(code)));
        await expectFail(c, 1002, `code ${code}`);
      }));
    },
  },
  {
    name: "WS6 the client's close code and reason reach the close handler (ws client)",
    async run(t) {
      const c = await client(t, "cmd");
      // The server answers with the code alone (RFC 6455 §5.5.1 echoes the code).
      assert.deepEqual(await c.close(4001, "client says bye"), { type: "close", code: 4001, reason: "" });
      assert.deepEqual(await serverClose(t, c.id), { close: 4001, reason: "client says bye", readyState: 3 });
    },
  },
  {
    name: "WS6 a connection that ends without a close frame: the close handler gets 1006",
    async run(t) {
      const c = await raw(t, "cmd");
      c.destroy();
      assert.deepEqual(await serverClose(t, c.id), { close: 1006, reason: "", readyState: 3 });
    },
  },
  {
    name: "WS6 ws.close(code, reason): the client gets both; then readyState is 2 and send returns 0",
    async run(t) {
      const c = await client(t, "cmd");
      c.send(JSON.stringify({ op: "close", code: 4002, reason: "server says bye" }));
      const closed = await c.closed();
      assert.deepEqual(closed, { type: "close", code: 4002, reason: "server says bye" });
      const l = await logUntil(t, c.id, (l) => l.some((e) => "close" in e));
      assert.deepEqual(l.find((e) => "closed" in e), { closed: true, readyState: 2, sendAfter: 0 });
      assert.equal((await serverClose(t, c.id)).close, 4002);
    },
  },
  {
    name: "WS6 a close handshake the peer never answers ends the connection within 5 s",
    timeoutMs: 40_000,
    async run(t) {
      const c = await raw(t, "cmd");
      await c.send(clientFrame(OP.TEXT, JSON.stringify({ op: "close", code: 1000, reason: "" })));
      const f = await c.frame();
      assert.equal(closeOf(f).code, 1000);
      const t0 = performance.now();
      // The client never answers.
      // The server's timer is 5 s; the bound leaves room for a loaded machine
      // (this proves the end comes, not how fast).
      await c.waitEnd(25_000);
      const ms = performance.now() - t0;
      assert.ok(ms >= 4_500 && ms < 25_000, `ended after ${Math.round(ms)} ms`);
      assert.equal((await serverClose(t, c.id)).close, 1000);
    },
  },
  {
    name: "WS6 terminate ends the connection without a close frame; both sides see 1006",
    async run(t) {
      const c = await client(t, "cmd");
      c.send(JSON.stringify({ op: "terminate" }));
      assert.equal((await c.closed()).code, 1006);
      assert.equal((await serverClose(t, c.id)).close, 1006);
    },
  },
];
