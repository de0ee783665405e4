// WP1–WP5 of core/ws/parser.ts. Every valid stream is replayed at every
// split into two reads and byte by byte; the parser must give the same events.
import { deflateRawSync, inflateRawSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { type Inflater, WsParser } from "../../core/ws/parser.ts";
import { closePayload, frame, Opcode, textFrame } from "../../core/ws/frames.ts";
import { clientFrame, closeBody, concat } from "./_frames.ts";

type Event = [string, unknown, unknown?];

/** A stand-in inflater on node:zlib (the adapters give the real one). */
const inflater: Inflater = {
  inflate(bytes, limit) {
    try {
      // A message ends with a sync flush, not a final block: inflate up to it.
      return new Uint8Array(inflateRawSync(bytes, { maxOutputLength: limit, finishFlush: 2 }));
    } catch (err) {
      if ((err as { code?: string }).code === "ERR_BUFFER_TOO_LARGE") return null;
      throw err;
    }
  },
};

function run(
  chunks: Uint8Array[],
  max = 1 << 20,
  deflate = false,
): { events: Event[]; error?: { code: number } } {
  const events: Event[] = [];
  const p = new WsParser({
    message: (d) => events.push(["message", typeof d === "string" ? d : Array.from(d)]),
    ping: (d) => events.push(["ping", Array.from(d)]),
    pong: (d) => events.push(["pong", Array.from(d)]),
    close: (code, reason) => events.push(["close", code, reason]),
  }, { maxPayloadLength: max, inflater: deflate ? inflater : undefined });
  // Each chunk is a copy: the parser unmasks in place, as it may with the connection's own chunks.
  for (const c of chunks) {
    p.execute(c.slice());
    if (p.done) break;
  }
  return { events, error: p.error };
}

function splits(bytes: Uint8Array): Uint8Array[][] {
  const out: Uint8Array[][] = [[bytes]];
  for (let i = 1; i < bytes.length; i++) out.push([bytes.subarray(0, i), bytes.subarray(i)]);
  out.push(Array.from(bytes, (b) => new Uint8Array([b])));
  return out;
}

function everySplit(bytes: Uint8Array, max?: number, deflate?: boolean) {
  const whole = run([bytes], max, deflate);
  for (const chunks of splits(bytes)) expect(run(chunks, max, deflate)).toEqual(whole);
  return whole;
}

const compress = (text: string) => {
  const d = deflateRawSync(new TextEncoder().encode(text), { finishFlush: 2 /* Z_SYNC_FLUSH */ });
  return new Uint8Array(d.subarray(0, d.length - 4));
};

describe("WsParser", () => {
  it("WP1 messages, fragments, interleaved control frames and close, at every split", () => {
    const stream = concat(
      clientFrame(1, "héllo"),
      clientFrame(2, new Uint8Array([0, 255, 7])),
      clientFrame(1, "frag", { fin: false }),
      clientFrame(9, "pi"),
      clientFrame(0, "mé", { fin: false }),
      clientFrame(0, "nt"),
      clientFrame(10, ""),
      clientFrame(2, new Uint8Array(300).fill(9), { lengthBits: 16 }),
      clientFrame(2, new Uint8Array(5).fill(1), { lengthBits: 64 }),
      clientFrame(1, ""),
      clientFrame(8, closeBody(1000, "bye")),
    );
    const { events, error } = everySplit(stream);
    expect(error).toBeUndefined();
    expect(events).toEqual([
      ["message", "héllo"],
      ["message", [0, 255, 7]],
      ["ping", [112, 105]],
      ["message", "fragmént"],
      ["pong", []],
      ["message", Array(300).fill(9)],
      ["message", Array(5).fill(1)],
      ["message", ""],
      ["close", 1000, "bye"],
    ]);
  });

  it("WP1 a close frame without a code reports 1005", () => {
    expect(everySplit(clientFrame(8, "")).events).toEqual([["close", 1005, ""]]);
  });

  it("WP1 permessage-deflate messages inflate, fragmented or not", () => {
    const a = compress("hello hello hello");
    const stream = concat(
      clientFrame(1, a, { rsv: 4 }),
      clientFrame(2, a.subarray(0, 3), { rsv: 4, fin: false }),
      clientFrame(0, a.subarray(3)),
      clientFrame(1, "plain"),
    );
    const { events, error } = everySplit(stream, 1 << 20, true);
    expect(error).toBeUndefined();
    expect(events[0]).toEqual(["message", "hello hello hello"]);
    expect(events[1][1]).toEqual(Array.from(new TextEncoder().encode("hello hello hello")));
    expect(events[2]).toEqual(["message", "plain"]);
  });

  const violations: Array<[string, Uint8Array, number, boolean?]> = [
    ["an unmasked frame", clientFrame(1, "x", { mask: false }), 1002],
    ["RSV2", clientFrame(1, "x", { rsv: 2 }), 1002],
    ["RSV3", clientFrame(1, "x", { rsv: 1 }), 1002],
    ["RSV1 without deflate", clientFrame(1, "x", { rsv: 4 }), 1002],
    [
      "RSV1 on a continuation",
      concat(clientFrame(1, "x", { fin: false }), clientFrame(0, "y", { rsv: 4 })),
      1002,
      true,
    ],
    ["RSV1 on a ping", clientFrame(9, "", { rsv: 4 }), 1002, true],
    ["opcode 3", clientFrame(3, "x"), 1002],
    ["opcode 11", clientFrame(11, "x"), 1002],
    ["a fragmented ping", clientFrame(9, "x", { fin: false }), 1002],
    ["a 126-byte ping", clientFrame(9, new Uint8Array(126)), 1002],
    ["a continuation with nothing to continue", clientFrame(0, "x"), 1002],
    [
      "a new message inside a fragmented one",
      concat(clientFrame(1, "a", { fin: false }), clientFrame(1, "b")),
      1002,
    ],
    ["a 1-byte close payload", clientFrame(8, new Uint8Array([3])), 1002],
    ["close code 1005", clientFrame(8, closeBody(1005)), 1002],
    ["close code 999", clientFrame(8, closeBody(999)), 1002],
    ["close code 2000", clientFrame(8, closeBody(2000)), 1002],
    [
      "a 64-bit length with its top bit set",
      new Uint8Array([0x82, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 4]),
      1002,
    ],
    ["bad UTF-8 in a text message", clientFrame(1, new Uint8Array([0xce, 0xba, 0xff])), 1007],
    ["a text message cut inside a sequence", clientFrame(1, new Uint8Array([0xce])), 1007],
    ["bad UTF-8 in a close reason", clientFrame(8, concat(closeBody(1000), new Uint8Array([0xff]))), 1007],
    ["a message over the limit", clientFrame(2, new Uint8Array(101)), 1009],
    [
      "fragments over the limit together",
      concat(clientFrame(2, new Uint8Array(60), { fin: false }), clientFrame(0, new Uint8Array(60))),
      1009,
    ],
  ];
  for (const [what, bytes, code, deflate] of violations) {
    it(`WP2–WP4 ${what} → ${code}`, () => {
      const { error } = everySplit(bytes, 100, deflate ?? false);
      expect(error?.code).toBe(code);
    });
  }

  it("WP3 bad UTF-8 fails at once, before the message's last fragment", () => {
    const { error } = run([clientFrame(1, new Uint8Array([0x61, 0xff]), { fin: false })]);
    expect(error?.code).toBe(1007);
  });

  it("WP4 a compressed message over the limit once inflated → 1009, while it inflates", () => {
    const bomb = compress("a".repeat(100_000));
    expect(bomb.length).toBeLessThan(1000);
    const { error } = run([clientFrame(2, bomb, { rsv: 4 })], 10_000, true);
    expect(error?.code).toBe(1009);
  });

  it("WP5 nothing is read after a close frame", () => {
    const { events } = run([concat(clientFrame(8, closeBody(1001)), clientFrame(1, "after"))]);
    expect(events).toEqual([["close", 1001, ""]]);
  });

  it("pause stops after the event being delivered; the rest reads on from the offset", () => {
    const got: string[] = [];
    const bytes = concat(clientFrame(1, "a"), clientFrame(1, "b"), clientFrame(1, "c"));
    const p: WsParser = new WsParser({
      message: (d) => {
        got.push(d as string);
        p.pause();
      },
      ping() {},
      pong() {},
      close() {},
    }, { maxPayloadLength: 100 });
    let at = 0;
    while (at < bytes.length) at = p.execute(bytes, at);
    expect(got).toEqual(["a", "b", "c"]);
  });

  it("one frame in one read is handed on as a view of that read, unmasked in place", () => {
    const got: Uint8Array[] = [];
    const chunk = clientFrame(2, new Uint8Array([1, 2, 3]));
    new WsParser({ message: (d) => got.push(d as Uint8Array), ping() {}, pong() {}, close() {} }, {
      maxPayloadLength: 100,
    }).execute(chunk);
    expect(got[0].buffer).toBe(chunk.buffer);
    expect(Array.from(got[0])).toEqual([1, 2, 3]);
  });
});

describe("server frames", () => {
  it("heads for 7-, 16- and 64-bit lengths, unmasked, FIN set", () => {
    expect(Array.from(frame(Opcode.BINARY, new Uint8Array(3)).subarray(0, 2))).toEqual([0x82, 3]);
    expect(Array.from(frame(Opcode.BINARY, new Uint8Array(300)).subarray(0, 4))).toEqual([0x82, 126, 1, 44]);
    expect(Array.from(frame(Opcode.BINARY, new Uint8Array(70000)).subarray(0, 10))).toEqual([
      0x82,
      127,
      0,
      0,
      0,
      0,
      0,
      1,
      0x11,
      0x70,
    ]);
    expect(Array.from(textFrame("hé"))).toEqual([0x81, 3, 104, 0xc3, 0xa9]);
    expect(Array.from(frame(Opcode.CLOSE, closePayload(1000, "ok")))).toEqual([0x88, 4, 3, 232, 111, 107]);
    expect(() => closePayload(1000, "x".repeat(124))).toThrow(RangeError);
  });

  it("textFrame is the encoded text after its head, for ASCII and not, around the 126-byte head change", () => {
    const utf8 = new TextEncoder();
    for (let n = 0; n <= 130; n++) {
      const ascii = "a~".repeat(n).slice(0, n);
      const texts = [
        ascii,
        "é" + ascii,
        ascii + "€",
        ascii.slice(0, n >> 1) + "😀" + ascii.slice(n >> 1),
        ascii + "\x7f",
      ];
      for (const text of texts) {
        expect(Array.from(textFrame(text)), JSON.stringify(text)).toEqual(
          Array.from(frame(Opcode.TEXT, utf8.encode(text))),
        );
      }
    }
  });
});
