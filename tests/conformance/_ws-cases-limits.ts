/**
 * Limits and large traffic (the Autobahn testsuite's section 9, sized for a
 * 2-core machine: messages up to 4 MiB, a 4 MiB message in 64-byte
 * fragments) and `maxPayloadLength` (WS5, WP4): at the limit a message
 * passes, past it the connection closes with 1009 — known from the frame
 * lengths before the payload is read, or while a compressed one inflates.
 *
 * @module
 */

import assert from "node:assert/strict";
import { deflateRawSync } from "node:zlib";
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
import { clientFrame, OP } from "./_ws-client.ts";

const KiB = 1024;
const MiB = 1024 * KiB;

/** `payload` as a message in fragments of `size` bytes. */
function fragments(opcode: number, payload: Uint8Array, size: number): Buffer {
  const out: Uint8Array[] = [];
  for (let at = 0; at < payload.length; at += size) {
    const last = at + size >= payload.length;
    out.push(clientFrame(at === 0 ? opcode : OP.CONT, payload.subarray(at, at + size), { fin: last }));
  }
  return Buffer.concat(out);
}

/** A deflated message as permessage-deflate sends it (no `00 00 ff ff` tail). */
export function deflateMessage(data: Uint8Array): Buffer {
  const d = deflateRawSync(data, { finishFlush: 2 /* Z_SYNC_FLUSH */ });
  return d.subarray(0, d.length - 4);
}

export const limitCases: WsCase[] = [
  {
    name: "WS5 9.1-9.2 text and binary messages of 64 KiB to 4 MiB come back whole",
    timeoutMs: 30_000,
    async run(t) {
      const c = await client(t, "echo");
      for (const n of [64 * KiB, 256 * KiB, 1 * MiB, 4 * MiB]) {
        const msg = text(n, n);
        c.send(msg);
        const m = await c.message(20_000);
        assert.ok(!m.binary && m.data.toString("utf8") === msg, `text of ${n}`);
        const bin = bytes(n, n);
        c.send(bin);
        const b = await c.message(20_000);
        assert.ok(b.binary && b.data.equals(bin), `binary of ${n}`);
      }
      await c.close(1000);
    },
  },
  {
    name: "WS5 9.3-9.4 a 4 MiB message in fragments of 64 B to 1 MiB comes back whole",
    timeoutMs: 30_000,
    async run(t) {
      const c = await raw(t, "echo", { server: "main" });
      const msg = Buffer.from(text(4 * MiB, 3));
      for (const size of [64, 64 * KiB]) {
        await c.send(fragments(OP.TEXT, msg, size));
        await expectFrame(c, OP.TEXT, msg, `text in fragments of ${size}`);
      }
      const bin = bytes(4 * MiB, 4);
      for (const size of [1 * KiB, 1 * MiB]) {
        await c.send(fragments(OP.BINARY, bin, size));
        await expectFrame(c, OP.BINARY, bin, `binary in fragments of ${size}`);
      }
      await closeClean(c, "after");
    },
  },
  {
    name: "WS5 9.5-9.6 a 1 MiB message written in chops of 64 or 2048 bytes comes back whole",
    timeoutMs: 30_000,
    async run(t) {
      const c = await raw(t, "echo", { server: "main" });
      const msg = text(1 * MiB, 5);
      await c.sendChopped(clientFrame(OP.TEXT, msg), 2048);
      await expectFrame(c, OP.TEXT, msg, "text in chops of 2048");
      const bin = bytes(1 * MiB, 6);
      await c.sendChopped(clientFrame(OP.BINARY, bin), 64);
      await expectFrame(c, OP.BINARY, bin, "binary in chops of 64");
      await closeClean(c, "after");
    },
  },
  {
    name: "WS5 9.7-9.8 a thousand small messages in a row come back in order",
    async run(t) {
      const c = await client(t, "echo");
      for (let i = 0; i < 1000; i++) c.send(i % 2 === 0 ? `message ${i}` : bytes(16, i));
      for (let i = 0; i < 1000; i++) {
        const m = await c.message();
        if (i % 2 === 0) assert.equal(m.data.toString("utf8"), `message ${i}`);
        else assert.ok(m.binary && m.data.equals(bytes(16, i)), `message ${i}`);
      }
      await c.close(1000);
    },
  },
  {
    name: "WS5 a message of maxPayloadLength bytes passes; one byte more closes with 1009",
    async run(t) {
      const c = await client(t, "echo", { server: "small" });
      c.send(bytes(64 * KiB));
      assert.equal((await c.message()).data.length, 64 * KiB);
      c.send(text(64 * KiB));
      assert.equal((await c.message()).data.length, 64 * KiB);
      c.send(bytes(64 * KiB + 1));
      assert.equal((await c.closed()).code, 1009);
    },
  },
  {
    name: "WP4 a frame announcing more than maxPayloadLength closes with 1009 before its payload comes",
    async run(t) {
      const c = await raw(t, "echo", { server: "small" });
      const head = clientFrame(OP.BINARY, new Uint8Array(0), { lengthBits: 64 });
      head[6] = 0x40; // bytes 2-9 are the 64-bit length: 2^30

      await c.send(head);
      await expectFail(c, 1009, "a 1 GiB frame head");
    },
  },
  {
    name: "WP4 fragments adding up to more than maxPayloadLength close with 1009",
    async run(t) {
      const c = await raw(t, "echo", { server: "small" });
      const part = bytes(30 * KiB);
      await c.send(
        clientFrame(OP.BINARY, part, { fin: false }),
        clientFrame(OP.CONT, part, { fin: false }),
        clientFrame(OP.CONT, part),
      );
      await expectFail(c, 1009, "three 30 KiB fragments");
    },
  },
  {
    name:
      "WP4 a compressed message that inflates past maxPayloadLength closes with 1009; one within it passes",
    async run(t) {
      const c = await raw(t, "echo", {
        server: "small",
        headers: { "sec-websocket-extensions": "permessage-deflate" },
      });
      assert.equal(c.field("sec-websocket-extensions"), agreed(t));
      const fits = new Uint8Array(64 * KiB).fill(0x61);
      await c.send(clientFrame(OP.BINARY, deflateMessage(fits), { rsv: 4 }));
      await expectFrame(c, OP.BINARY, fits, "64 KiB inflated");
      await c.send(clientFrame(OP.BINARY, deflateMessage(new Uint8Array(1 * MiB)), { rsv: 4 }));
      await expectFail(c, 1009, "1 MiB of zeros, deflated to about 1 KiB");
    },
  },
];
