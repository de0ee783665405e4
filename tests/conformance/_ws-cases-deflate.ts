/**
 * permessage-deflate (RFC 7692): the Autobahn testsuite's sections 12 and 13
 * — compressed messages both ways, of many sizes, fragmented, with context
 * takeover or without, with the window bits each side asks for (WH4) — and
 * the violations that only exist with it.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  agreed,
  bytes,
  client,
  closeClean,
  expectFail,
  expectFrame,
  raw,
  text,
  type WsCase,
} from "./_ws-case.ts";
import { clientFrame, inflateMessage, OP } from "./_ws-client.ts";
import { deflateMessage } from "./_ws-cases-limits.ts";

const PMD = { "sec-websocket-extensions": "permessage-deflate" };

/** Text that compresses as JSON does: repeated keys, varying values. */
function jsonish(size: number, seed: number): string {
  let s = "";
  for (let i = 0; s.length < size; i++) {
    s += `{"id":${seed * 1000 + i},"name":"item ${i % 17}","ok":${i % 2 === 0}},`;
  }
  return s.slice(0, size);
}

/** Binary that compresses somewhat: a short pattern with noise. */
function compressible(size: number, seed: number): Buffer {
  const noise = bytes(size, seed);
  for (let i = 0; i < size; i++) if (i % 4 !== 0) noise[i] = (i * 7) & 0xff;
  return noise;
}

export const deflateCases: WsCase[] = [
  {
    name: "WH4 12 permessage-deflate is agreed on the default offer, and only where the server has it",
    async run(t) {
      const a = await raw(t, "echo", { server: "main", headers: PMD });
      assert.equal(a.field("sec-websocket-extensions"), agreed(t));
      a.destroy();
      const b = await raw(t, "echo", { server: "plain", headers: PMD });
      assert.equal(b.field("sec-websocket-extensions"), undefined);
      // Without the extension RSV1 means nothing agreed: a protocol error.
      await b.send(clientFrame(OP.TEXT, deflateMessage(Buffer.from("hello")), { rsv: 4 }));
      await expectFail(b, 1002, "RSV1 without the extension");
    },
  },
  {
    name: "WS2 12.1-12.5 compressed messages both ways: text and binary of 16 B to 128 KiB",
    timeoutMs: 30_000,
    async run(t) {
      const c = await client(t, "echo", { server: "compress", perMessageDeflate: { threshold: 0 } });
      assert.match(String(c.headers["sec-websocket-extensions"]), /^permessage-deflate/);
      for (const size of [16, 64, 256, 1024, 4096, 16384, 65536, 131072]) {
        for (let i = 0; i < 10; i++) {
          const msg = jsonish(size, i);
          c.send(msg);
          const m = await c.message();
          assert.ok(!m.binary && m.data.toString("utf8") === msg, `text of ${size} #${i}`);
          const bin = compressible(size, i);
          c.send(bin);
          const b = await c.message();
          assert.ok(b.binary && b.data.equals(bin), `binary of ${size} #${i}`);
        }
      }
      await c.close(1000);
    },
  },
  {
    name: "WS2 12.x a compressed message in fragments of 256 B to 32 KiB comes back whole",
    async run(t) {
      const c = await raw(t, "echo", { server: "main", headers: PMD });
      for (const size of [256, 1024, 4096, 32768]) {
        const msg = Buffer.from(jsonish(131072, size));
        // Each message on its own: the client keeps no context (a fresh stream each time).
        const z = deflateMessage(msg);
        const frames: Uint8Array[] = [];
        for (let at = 0; at < z.length; at += size) {
          frames.push(
            clientFrame(at === 0 ? OP.TEXT : OP.CONT, z.subarray(at, at + size), {
              fin: at + size >= z.length,
              rsv: at === 0 ? 4 : 0,
            }),
          );
        }
        await c.send(...frames);
        await expectFrame(c, OP.TEXT, msg, `fragments of ${size}`);
      }
      await closeClean(c, "after");
    },
  },
  {
    name: "WS2 the server's compressed frames carry RSV1 and use the window of the messages before",
    async run(t) {
      const c = await raw(t, "echo", { server: "compress", headers: PMD });
      const msg = Buffer.from(jsonish(2000, 1));
      const sizes: number[] = [];
      let window = Buffer.alloc(0);
      for (let i = 0; i < 2; i++) {
        await c.send(clientFrame(OP.TEXT, msg));
        const f = await c.frame();
        assert.equal(f.opcode, OP.TEXT);
        assert.equal(f.rsv, 4, "RSV1 marks a compressed message");
        const out = inflateMessage(f.payload, window.length > 0 ? window : undefined);
        assert.ok(out.equals(msg), `message ${i} inflates to what was sent`);
        window = Buffer.concat([window, out]);
        sizes.push(f.payload.length);
      }
      // With context takeover the second copy is a back-reference to the first.
      assert.ok(sizes[1] < sizes[0] / 4, `compressed sizes ${sizes.join(", ")}`);
      await closeClean(c, "after");
    },
  },
  {
    name:
      "WS2 send(data, compress) decides per message: off on a compressing server, on where it only inflates",
    async run(t) {
      const check = async (server: "main" | "compress", compress: boolean | undefined, rsv: number) => {
        const c = await raw(t, "cmd", { server, headers: PMD });
        await c.send(
          clientFrame(
            OP.TEXT,
            JSON.stringify({ op: "send", sends: [{ kind: "text", size: 300, compress }] }),
          ),
        );
        const f = await c.frame();
        assert.equal(f.rsv, rsv, `${server}, compress ${compress}`);
        const data = rsv === 4 ? inflateMessage(f.payload) : f.payload;
        assert.equal(data.toString("utf8"), "t".repeat(300));
        c.destroy();
      };
      await Promise.all([
        check("main", undefined, 0),
        check("main", true, 4),
        check("compress", undefined, 4),
        check("compress", false, 0),
      ]);
    },
  },
  {
    name: "WH4 13.1-13.7 window bits and context takeover as each side asks, both ways",
    timeoutMs: 30_000,
    async run(t) {
      const offers = [
        {},
        { serverNoContextTakeover: true, clientNoContextTakeover: true },
        { serverMaxWindowBits: 9, clientMaxWindowBits: 9 },
        { serverMaxWindowBits: 15, clientMaxWindowBits: 15 },
        {
          serverNoContextTakeover: true,
          clientNoContextTakeover: true,
          serverMaxWindowBits: 9,
          clientMaxWindowBits: 9,
        },
        { serverNoContextTakeover: true, serverMaxWindowBits: 12 },
        { clientNoContextTakeover: true, clientMaxWindowBits: 10 },
      ];
      await Promise.all(offers.map(async (offer) => {
        const c = await client(t, "echo", {
          server: "compress",
          perMessageDeflate: { threshold: 0, ...offer },
        });
        const ext = String(c.headers["sec-websocket-extensions"]);
        const what = `${JSON.stringify(offer)} → ${ext}`;
        assert.match(ext, /^permessage-deflate/, what);
        if (offer.serverNoContextTakeover) assert.match(ext, /server_no_context_takeover/, what);
        if (offer.serverMaxWindowBits !== undefined && offer.serverMaxWindowBits < 15) {
          assert.match(ext, new RegExp(`server_max_window_bits=${offer.serverMaxWindowBits}`), what);
        }
        for (let i = 0; i < 30; i++) {
          const msg = jsonish(3000 + i * 100, i);
          c.send(msg);
          assert.equal((await c.message()).data.toString("utf8"), msg, `${what}: message ${i}`);
          const bin = compressible(5000, i);
          c.send(bin);
          assert.ok((await c.message()).data.equals(bin), `${what}: binary ${i}`);
        }
        await c.close(1000);
      }));
    },
  },
  {
    name: "WH4 an offer the server cannot meet is declined, and the next offer is taken",
    async run(t) {
      const tries: Array<[string, string | undefined]> = [
        ["permessage-deflate; foo=1", undefined],
        ["permessage-deflate; server_max_window_bits=16", undefined],
        ["permessage-deflate; server_no_context_takeover; server_no_context_takeover", undefined],
        [
          "permessage-deflate; foo=1, permessage-deflate; client_no_context_takeover",
          agreed(t, "client_no_context_takeover"),
        ],
        ["x-webkit-deflate-frame, permessage-deflate", agreed(t)],
      ];
      for (const [offer, agreed] of tries) {
        const c = await raw(t, "echo", { server: "main", headers: { "sec-websocket-extensions": offer } });
        assert.equal(c.field("sec-websocket-extensions"), agreed, offer);
        c.destroy();
      }
    },
  },
  {
    name: "WH4 a server_max_window_bits the compressor cannot honour is never answered with a larger one",
    async run(t) {
      const c = await raw(t, "cmd", {
        server: "compress",
        headers: { "sec-websocket-extensions": "permessage-deflate; server_max_window_bits=8" },
      });
      const ext = c.field("sec-websocket-extensions");
      const bits = /server_max_window_bits=(\d+)/.exec(ext ?? "")?.[1];
      assert.ok(ext === undefined || (bits !== undefined && Number(bits) <= 8), `answered ${ext}`);
      c.destroy();
    },
  },
  {
    name: "WP2 RSV1 on a continuation frame fails with 1002, deflate agreed",
    async run(t) {
      const c = await raw(t, "echo", { server: "main", headers: PMD });
      const z = deflateMessage(Buffer.from(text(300)));
      await c.send(
        clientFrame(OP.TEXT, z.subarray(0, 10), { fin: false, rsv: 4 }),
        clientFrame(OP.CONT, z.subarray(10), { rsv: 4 }),
      );
      await expectFail(c, 1002, "RSV1 on a continuation");
    },
  },
  {
    name: "WP3 a compressed text message that inflates to invalid UTF-8 fails with 1007",
    async run(t) {
      const c = await raw(t, "echo", { server: "main", headers: PMD });
      await c.send(
        clientFrame(OP.TEXT, deflateMessage(Buffer.from("cebae1bdb9cf83cebcceb5eda080", "hex")), { rsv: 4 }),
      );
      await expectFail(c, 1007, "inflated invalid UTF-8");
    },
  },
  {
    name: "WS5 a compressed message that does not inflate fails with 1007",
    async run(t) {
      const c = await raw(t, "echo", { server: "main", headers: PMD });
      await c.send(clientFrame(OP.BINARY, Buffer.from([0xff, 0xff, 0xff, 0xff]), { rsv: 4 }));
      await expectFail(c, 1007, "a reserved block type");
    },
  },
];
