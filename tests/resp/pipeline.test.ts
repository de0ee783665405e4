// Deep pipelining, write batching (RK2) and backpressure (RK3) of resp-kv,
// through the real core connection with a transport that can stall.
import { describe, expect, it } from "vitest";
import { createRespKv } from "../../examples/resp-kv.ts";
import { keyOf } from "../../examples/resp/_store.ts";
import { latin1Bytes, multibulk as mb, Wire } from "./_wire.ts";

const KiB = 1024;
const MiB = 1024 * KiB;

describe("resp-kv pipelining", () => {
  it("10,000 pipelined commands in one chunk: every reply, in order, in few writes", () => {
    const kv = createRespKv();
    const wire = new Wire(kv);
    let input = "";
    let expected = "";
    for (let i = 0; i < 10_000; i++) {
      if (i % 4 === 0) {
        input += mb("SET", `key:${i}`, `v${i}`);
        expected += "+OK\r\n";
      } else if (i % 4 === 1) {
        input += mb("GET", `key:${i - 1}`);
        expected += `$${String(i - 1).length + 1}\r\nv${i - 1}\r\n`;
      } else if (i % 4 === 2) {
        input += mb("INCR", "counter");
        expected += `:${(i + 2) / 4}\r\n`;
      } else {
        input += "PING\r\n";
        expected += "+PONG\r\n";
      }
    }
    wire.send(latin1Bytes(input));
    expect(wire.output()).toBe(expected);
    // RK2: one write per 64 KiB of replies, not one per command.
    expect(wire.t.writes).toBeLessThanOrEqual(Math.ceil(expected.length / (64 * KiB)) + 1);
    kv.db.clear();
  });

  it("RK2: the replies to one data call go out in one write", () => {
    const kv = createRespKv();
    const wire = new Wire(kv);
    wire.send(mb("SET", "a", "1") + mb("GET", "a") + "PING\r\n".repeat(14));
    expect(wire.t.writes).toBe(1);
  });
});

describe("resp-kv backpressure", () => {
  it("RK3: a write that says stop pauses the connection; no command runs until drain", async () => {
    const kv = createRespKv();
    const wire = new Wire(kv);
    wire.stall();
    // 2,000 GETs of 1 KiB, twice: 4 MiB of replies if nothing stopped them.
    wire.send(mb("SET", "v", "z".repeat(KiB)));
    const n = 2000;
    const chunk = latin1Bytes(mb("GET", "v").repeat(n) + mb("INCR", "after"));
    wire.send(chunk);
    wire.send(chunk); // a second chunk, while paused: the kernel holds it
    expect(wire.t.paused).toBe(true);
    expect(wire.conn.bufferedAmount).toBeLessThanOrEqual(192 * KiB);
    expect(kv.db.get("after")).toBeUndefined(); // the INCR at the end has not run
    const reply = `$${KiB}\r\n${"z".repeat(KiB)}\r\n`;
    const expected = "+OK\r\n" + reply.repeat(n) + ":1\r\n" + reply.repeat(n) + ":2\r\n";
    let rounds = 0;
    while (wire.sentBytes < expected.length && rounds++ < 1000) {
      wire.flow(48 * KiB); // the peer reads a little at a time
      await wire.settle();
      // Never more than about two pieces buffered, whatever was asked.
      expect(wire.conn.bufferedAmount).toBeLessThanOrEqual(192 * KiB);
    }
    expect(rounds).toBeGreaterThan(expected.length / (64 * KiB));
    expect(wire.output()).toBe(expected);
    expect(keyOf(kv.db.get("after")!)).toBe("2");
    wire.flow();
    await wire.settle();
    expect(wire.t.paused).toBe(false);
    expect(wire.closedWith).toBe("open");
  });

  it("RK3: a 10 MiB value goes out in pieces, under a 256 KiB output cap", async () => {
    const kv = createRespKv();
    const wire = new Wire(kv, { maxBufferedBytes: 256 * KiB });
    const value = new Uint8Array(10 * MiB);
    for (let i = 0; i < value.length; i++) value[i] = (i * 7919) >>> 3;
    const head = latin1Bytes(`*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$${value.length}\r\n`);
    wire.send(head);
    for (let at = 0; at < value.length; at += 60_000) wire.send(value.subarray(at, at + 60_000));
    wire.send("\r\n");
    expect(wire.take()).toBe("+OK\r\n");
    const start = wire.sentBytes;
    wire.stall();
    wire.send(mb("GET", "big") + mb("GET", "big") + "PING\r\n");
    for (let i = 0; i < 1000 && wire.closedWith === "open" && wire.sentBytes < 2 * 10 * MiB; i++) {
      wire.flow(100 * KiB);
      await wire.settle();
      expect(wire.conn.bufferedAmount).toBeLessThanOrEqual(192 * KiB);
    }
    wire.flow();
    await wire.settle();
    expect(wire.closedWith).toBe("open"); // no TRI_ERR_OUTPUT_OVERFLOW
    const out = wire.bytes().subarray(start);
    const header = `$${value.length}\r\n`;
    const one = header.length + value.length + 2;
    expect(out.length).toBe(2 * one + 7);
    for (const base of [0, one]) {
      expect(String.fromCharCode(...out.subarray(base, base + header.length))).toBe(header);
      const got = out.subarray(base + header.length, base + header.length + value.length);
      let same = got.length === value.length;
      for (let i = 0; same && i < value.length; i++) same = got[i] === value[i];
      expect(same).toBe(true);
    }
    expect(String.fromCharCode(...out.subarray(2 * one))).toBe("+PONG\r\n");
    kv.db.clear();
  });

  it("QUIT while blocked: the replies before it still go out, then the end", async () => {
    const kv = createRespKv();
    const wire = new Wire(kv);
    wire.send(mb("SET", "v", "q".repeat(100 * KiB)));
    wire.take();
    wire.stall();
    wire.send(mb("GET", "v").repeat(3) + mb("QUIT") + mb("SET", "late", "1"));
    expect(wire.t.finSent).toBe(false);
    for (let i = 0; i < 100 && !wire.t.finSent; i++) {
      wire.flow(64 * KiB);
      await wire.settle();
    }
    expect(wire.t.finSent).toBe(true);
    const out = wire.take();
    expect(out.endsWith("+OK\r\n")).toBe(true);
    expect(out.length).toBe(3 * (100 * KiB + 11) + 5);
    expect(kv.db.get("late")).toBeUndefined();
  });

  it("a peer FIN while blocked: our end waits until the replies are out", async () => {
    const kv = createRespKv();
    const wire = new Wire(kv);
    wire.send(mb("SET", "v", "f".repeat(100 * KiB)));
    wire.take();
    wire.stall();
    wire.send(mb("GET", "v").repeat(4));
    wire.fin();
    await wire.settle();
    expect(wire.t.finSent).toBe(false);
    for (let i = 0; i < 100 && !wire.t.finSent; i++) {
      wire.flow();
      await wire.settle();
    }
    expect(wire.take().length).toBe(4 * (100 * KiB + 11));
    expect(wire.t.finSent).toBe(true);
  });

  it("a protocol error while blocked is flushed after the replies before it", async () => {
    const kv = createRespKv();
    const wire = new Wire(kv);
    wire.send(mb("SET", "v", "e".repeat(100 * KiB)));
    wire.take();
    wire.stall();
    wire.send(mb("GET", "v").repeat(2) + "*1\r\n$x\r\n");
    for (let i = 0; i < 100 && !wire.t.finSent; i++) {
      wire.flow();
      await wire.settle();
    }
    const out = wire.take();
    const error = "-ERR Protocol error: invalid bulk length\r\n";
    expect(out.length).toBe(2 * (100 * KiB + 11) + error.length);
    expect(out.endsWith(error)).toBe(true);
    expect(wire.t.finSent).toBe(true);
  });
});
