/**
 * Framing, pings and pongs, reserved bits, opcodes and fragmentation: the
 * Autobahn testsuite's sections 1–5, as this project's cases (the section
 * numbers in the names are the catalogue's). Valid traffic goes through the
 * `ws` client or exact bytes; violations through the raw client.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  bytes,
  client,
  closeClean,
  expectFail,
  expectFrame,
  log,
  raw,
  sleep,
  text,
  type WsCase,
} from "./_ws-case.ts";
import { clientFrame, closeBody, OP } from "./_ws-client.ts";

const SIZES = [0, 125, 126, 127, 128, 65535, 65536];

/** Each of `runs`, at once. */
async function all<T>(items: T[], run: (item: T) => Promise<void>): Promise<void> {
  await Promise.all(items.map(run));
}

/** Sends a valid text message, then `bad`, then a ping: the echo comes, then the close `code`, no pong. */
async function echoThenFail(t: Parameters<WsCase["run"]>[0], bad: Uint8Array, code: number, what: string) {
  const c = await raw(t);
  await c.send(clientFrame(OP.TEXT, "before"), bad, clientFrame(OP.PING, "after"));
  await expectFrame(c, OP.TEXT, "before", what);
  await expectFail(c, code, what);
}

export const framingCases: WsCase[] = [
  // ---- 1 framing ----------------------------------------------------------------
  {
    name: "WS2 1.1 text messages of 0 to 65536 bytes come back whole",
    async run(t) {
      const c = await client(t, "echo");
      for (const n of SIZES) {
        const msg = text(n, n + 1);
        c.send(msg);
        const m = await c.message();
        assert.equal(m.binary, false, `${n} bytes: kind`);
        assert.equal(m.data.toString("utf8"), msg, `${n} bytes`);
      }
      assert.equal((await c.close(1000)).code, 1000);
    },
  },
  {
    name: "WS2 1.2 binary messages of 0 to 65536 bytes come back whole",
    async run(t) {
      const c = await client(t, "echo");
      for (const n of SIZES) {
        const msg = bytes(n, n + 1);
        c.send(msg);
        const m = await c.message();
        assert.equal(m.binary, true, `${n} bytes: kind`);
        assert.ok(m.data.equals(msg), `${n} bytes`);
      }
      assert.equal((await c.close(1000)).code, 1000);
    },
  },
  {
    name: "WS2 1.1.8 1.2.8 a 65536-byte message written in 997-byte chops comes back whole",
    async run(t) {
      const c = await raw(t);
      const msg = text(65536, 7);
      await c.sendChopped(clientFrame(OP.TEXT, msg), 997);
      await expectFrame(c, OP.TEXT, msg, "text");
      const bin = bytes(65536, 8);
      await c.sendChopped(clientFrame(OP.BINARY, bin), 997);
      await expectFrame(c, OP.BINARY, bin, "binary");
      await closeClean(c, "after");
    },
  },
  {
    name: "WS2 server frames are unmasked, final, with the shortest length encoding",
    async run(t) {
      const c = await raw(t);
      // [payload size, the frame head's size, its 7-bit length field]
      const heads: Array<[number, number, number]> = [
        [0, 2, 0],
        [125, 2, 125],
        [126, 4, 126],
        [65535, 4, 126],
        [65536, 10, 127],
      ];
      for (const [n, headSize, len7] of heads) {
        await c.send(clientFrame(OP.BINARY, bytes(n)));
        const f = await expectFrame(c, OP.BINARY, bytes(n), `${n} bytes`);
        assert.equal(f.raw.length - n, headSize, `${n} bytes: head size`);
        assert.equal(f.raw[0], 0x82, `${n} bytes: FIN, no RSV, binary`);
        assert.equal(f.raw[1], len7, `${n} bytes: no mask bit, length field`);
      }
      await closeClean(c, "after");
    },
  },

  // ---- 2 pings and pongs ----------------------------------------------------------
  {
    name: "WS10 2.1-2.4 a ping of 0, 13, 8 binary or 125 bytes gets a pong with its payload",
    async run(t) {
      const c = await raw(t);
      const payloads = [
        new Uint8Array(0),
        Buffer.from("Hello, world!"),
        new Uint8Array([0x00, 0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0x00, 0xff]),
        new Uint8Array(125).fill(0xfe),
      ];
      for (const p of payloads) {
        await c.send(clientFrame(OP.PING, p));
        await expectFrame(c, OP.PONG, p, `ping of ${p.length}`);
      }
      await closeClean(c, "after");
    },
  },
  {
    name: "WP2 2.5 a ping of 126 bytes fails the connection with 1002",
    async run(t) {
      const c = await raw(t);
      await c.send(clientFrame(OP.PING, new Uint8Array(126).fill(0xfe)));
      await expectFail(c, 1002, "126-byte ping");
    },
  },
  {
    name: "WS10 2.6 a 125-byte ping written byte by byte gets its pong",
    async run(t) {
      const c = await raw(t);
      const p = new Uint8Array(125).fill(0xfe);
      await c.sendChopped(clientFrame(OP.PING, p), 1);
      await expectFrame(c, OP.PONG, p, "chopped ping");
      await closeClean(c, "after");
    },
  },
  {
    name: "WS10 2.7-2.9 an unsolicited pong gets no answer and reaches the pong handler",
    async run(t) {
      const c = await raw(t, "cmd", { server: "main" });
      await c.send(
        clientFrame(OP.PONG, ""),
        clientFrame(OP.PONG, "unsolicited pong payload"),
        clientFrame(OP.PING, "ping payload"),
      );
      await expectFrame(c, OP.PONG, "ping payload", "the pong for the ping, nothing before it");
      await closeClean(c, "after");
      const l = await log(t, c.id);
      assert.deepEqual(
        l.filter((e) => "pong" in e || "ping" in e),
        [{ pong: "" }, { pong: "unsolicited pong payload" }, { ping: "ping payload" }],
      );
    },
  },
  {
    name: "WS10 2.10-2.11 ten pings in a row get ten pongs in order, whole or byte by byte",
    async run(t) {
      for (const chop of [0, 1]) {
        const c = await raw(t);
        const pings = Array.from({ length: 10 }, (_, i) => clientFrame(OP.PING, `payload-${i}`));
        if (chop === 0) await c.send(...pings);
        else await c.sendChopped(Buffer.concat(pings), 1);
        for (let i = 0; i < 10; i++) {
          await expectFrame(c, OP.PONG, `payload-${i}`, `pong ${i} (chop ${chop})`);
        }
        await closeClean(c, "after");
      }
    },
  },

  // ---- 3 reserved bits -----------------------------------------------------------
  {
    name: "WP2 3.1-3.7 a reserved bit on a text, binary, ping or close frame fails with 1002",
    async run(t) {
      const frames: Array<[string, number, Uint8Array | string]> = [
        ["text", OP.TEXT, "Hello, world!"],
        ["binary", OP.BINARY, bytes(10)],
        ["ping", OP.PING, "ping"],
        ["close", OP.CLOSE, closeBody(1000)],
      ];
      const tries = frames.flatMap(([what, op, p]) =>
        [1, 2, 3, 4, 5, 6, 7].map((rsv) => [`${what} rsv ${rsv}`, clientFrame(op, p, { rsv })] as const)
      );
      await all([...tries], ([what, bad]) => echoThenFail(t, bad, 1002, what));
    },
  },

  // ---- 4 opcodes -------------------------------------------------------------------
  {
    name: "WP2 4.1-4.2 a reserved opcode (3-7, 11-15) fails with 1002 after the echo of the message before",
    async run(t) {
      await all(
        [3, 4, 5, 6, 7, 11, 12, 13, 14, 15],
        (op) => echoThenFail(t, clientFrame(op, op % 2 === 1 ? "" : "reserved"), 1002, `opcode ${op}`),
      );
    },
  },

  // ---- 5 fragmentation -----------------------------------------------------------------
  {
    name: "WP2 5.1-5.2 a fragmented ping or pong fails with 1002",
    async run(t) {
      await all([OP.PING, OP.PONG], async (op) => {
        const c = await raw(t);
        await c.send(clientFrame(op, "frag", { fin: false }), clientFrame(OP.CONT, "ment"));
        await expectFail(c, 1002, `opcode ${op}`);
      });
    },
  },
  {
    name: "WS2 5.3-5.5 a text message in two fragments arrives whole, in one write, frame-wise or byte-wise",
    async run(t) {
      const stream = Buffer.concat([
        clientFrame(OP.TEXT, "fragment1", { fin: false }),
        clientFrame(OP.CONT, "fragment2"),
      ]);
      const c = await raw(t);
      await c.send(stream);
      await expectFrame(c, OP.TEXT, "fragment1fragment2", "one write");
      await c.send(clientFrame(OP.TEXT, "fragment1", { fin: false }));
      await sleep(20);
      await c.send(clientFrame(OP.CONT, "fragment2"));
      await expectFrame(c, OP.TEXT, "fragment1fragment2", "frame-wise");
      await c.sendChopped(stream, 1);
      await expectFrame(c, OP.TEXT, "fragment1fragment2", "byte-wise");
      await closeClean(c, "after");
    },
  },
  {
    name: "WS10 5.6-5.8 a ping between two fragments is answered first, then the message arrives whole",
    async run(t) {
      const stream = Buffer.concat([
        clientFrame(OP.TEXT, "fragment1", { fin: false }),
        clientFrame(OP.PING, "ping payload"),
        clientFrame(OP.CONT, "fragment2"),
      ]);
      const c = await raw(t);
      for (const chop of [stream.length, 6, 1]) {
        await c.sendChopped(stream, chop);
        await expectFrame(c, OP.PONG, "ping payload", `chops of ${chop}`);
        await expectFrame(c, OP.TEXT, "fragment1fragment2", `chops of ${chop}`);
      }
      await closeClean(c, "after");
    },
  },
  {
    name: "WP2 5.9-5.17 a continuation frame with nothing to continue fails with 1002",
    async run(t) {
      const tries: Array<[string, Uint8Array, number]> = [];
      for (const fin of [true, false]) {
        const cont = clientFrame(OP.CONT, "non-continuation payload", { fin });
        const msg = Buffer.concat([
          clientFrame(OP.TEXT, "fragment1", { fin: false }),
          clientFrame(OP.CONT, "fragment2"),
        ]);
        const once = Buffer.concat([cont, clientFrame(OP.TEXT, "Hello, world!")]);
        for (const chop of [once.length, 1]) tries.push([`FIN ${fin}, chops of ${chop}`, once, chop]);
        tries.push([
          `FIN ${fin}, twice, then a fragmented message`,
          Buffer.concat([cont, msg, cont, msg]),
          1 << 20,
        ]);
      }
      await all(tries, async ([what, stream, chop]) => {
        const c = await raw(t);
        await c.sendChopped(stream, chop);
        await expectFail(c, 1002, what);
      });
    },
  },
  {
    name: "WP2 5.18 a new text frame inside a fragmented message fails with 1002",
    async run(t) {
      const c = await raw(t);
      await c.send(clientFrame(OP.TEXT, "fragment1", { fin: false }), clientFrame(OP.TEXT, "fragment2"));
      await expectFail(c, 1002, "text inside text");
    },
  },
  {
    name: "WS10 5.19-5.20 fragments over time with pings between: each ping answered when it comes",
    async run(t) {
      const c = await raw(t);
      await c.send(
        clientFrame(OP.TEXT, "fragment1", { fin: false }),
        clientFrame(OP.CONT, "fragment2", { fin: false }),
      );
      await c.send(clientFrame(OP.PING, "pongme 1!"));
      await expectFrame(c, OP.PONG, "pongme 1!", "the first ping, before the message ends");
      await sleep(300);
      await c.send(
        clientFrame(OP.CONT, "fragment3", { fin: false }),
        clientFrame(OP.CONT, "fragment4", { fin: false }),
      );
      await c.send(clientFrame(OP.PING, "pongme 2!"));
      await expectFrame(c, OP.PONG, "pongme 2!", "the second ping");
      await sleep(300);
      await c.send(clientFrame(OP.CONT, "fragment5"));
      await expectFrame(c, OP.TEXT, "fragment1fragment2fragment3fragment4fragment5", "the message");
      await closeClean(c, "after");
    },
  },
  {
    name: "WS2 a binary message in 100 fragments, some empty, arrives whole",
    async run(t) {
      const c = await raw(t);
      const msg = bytes(5000, 3);
      const frames: Uint8Array[] = [];
      for (let i = 0; i < 100; i++) {
        const part = i % 10 === 3 ? new Uint8Array(0) : msg.subarray(i * 50, (i + 1) * 50);
        frames.push(clientFrame(i === 0 ? OP.BINARY : OP.CONT, part, { fin: false }));
      }
      // The 10 empty fragments left 500 bytes over: they go in the last frame.
      frames.push(clientFrame(OP.CONT, msg.subarray(0, 0)));
      const kept = Buffer.concat(
        Array.from(
          { length: 100 },
          (_, i) => i % 10 === 3 ? Buffer.alloc(0) : msg.subarray(i * 50, (i + 1) * 50),
        ),
      );
      await c.send(...frames);
      await expectFrame(c, OP.BINARY, kept, "100 fragments");
      await closeClean(c, "after");
    },
  },
];
