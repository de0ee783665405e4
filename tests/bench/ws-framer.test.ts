import { describe, expect, it } from "vitest";
import { clientFrame, WsFramer } from "../../bench/load/ws-framer.ts";

const enc = new TextEncoder();

/** Feeds `bytes` in the chunks given by `cuts`; returns the reported messages. */
function frame(upgrade: boolean, bytes: Uint8Array, cuts: number[]): string[] {
  const got: string[] = [];
  const sink = {
    response: (status: number, close: boolean) => got.push(`${status}${close ? " close" : ""}`),
  };
  const f = new WsFramer(upgrade);
  let at = 0;
  for (const cut of [...cuts, bytes.length]) {
    if (!f.feed(bytes.subarray(at, cut), sink)) got.push("FAILED");
    at = cut;
  }
  return got;
}

/** WF1: the outcome at every single split point and at every byte. */
function everySplit(upgrade: boolean, bytes: Uint8Array): string[] {
  const whole = frame(upgrade, bytes, []);
  for (let i = 1; i < bytes.length; i++) {
    expect(frame(upgrade, bytes, [i]), `split at ${i}`).toEqual(whole);
  }
  const bytewise = Array.from({ length: bytes.length - 1 }, (_, i) => i + 1);
  expect(frame(upgrade, bytes, bytewise)).toEqual(whole);
  return whole;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A server frame (unmasked). */
function serverFrame(opcode: number, payload: Uint8Array, fin = true): Uint8Array {
  const masked = clientFrame(payload, opcode);
  // Drop the mask bit and the (all-zero) key: what a server sends.
  const head = masked.length - payload.length - 4;
  const out = concat(masked.subarray(0, head), payload);
  out[1] &= 0x7f;
  if (!fin) out[0] &= 0x7f;
  return out;
}

describe("WsFramer", () => {
  it("WF1/WF2/WF3: the 101, 7/16/64-bit lengths, fragments, control frames skipped", () => {
    const stream = concat(
      enc.encode("HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\n\r\n"),
      serverFrame(1, enc.encode("hello")),
      serverFrame(9, enc.encode("ping")), // a ping: not a message
      serverFrame(2, new Uint8Array(300)), // 16-bit length
      serverFrame(1, enc.encode("frag"), false), // a fragment…
      serverFrame(0, enc.encode("ment")), // …its last part: one message
      serverFrame(2, new Uint8Array(70_000)), // 64-bit length
      serverFrame(1, new Uint8Array(0)),
      serverFrame(8, new Uint8Array([3, 232])),
    );
    expect(frame(true, stream, [])).toEqual(["101", "200", "200", "200", "200", "200", "1000 close"]);
    const small = concat(
      enc.encode("HTTP/1.1 101 Switching Protocols\r\n\r\n"),
      serverFrame(1, enc.encode("hello")),
      serverFrame(10, new Uint8Array(0)),
      serverFrame(2, new Uint8Array(130)),
      serverFrame(1, enc.encode("a"), false),
      serverFrame(0, enc.encode("b")),
    );
    expect(everySplit(true, small)).toEqual(["101", "200", "200", "200"]);
  });

  it("frames masked frames (a raw TCP echo of the client's own) with no upgrade", () => {
    const stream = concat(clientFrame(enc.encode("one")), clientFrame(new Uint8Array(200), 2));
    expect(everySplit(false, stream)).toEqual(["200", "200"]);
  });

  it("WF2/WF4: a refused upgrade and a bad opcode fail the framer", () => {
    expect(frame(true, enc.encode("HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n"), []))
      .toEqual(["FAILED"]);
    expect(frame(false, new Uint8Array([0x83, 0]), [])).toEqual(["FAILED"]);
  });
});
