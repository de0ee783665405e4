// RESP frames as data: each input with the replies it must get and whether
// the connection must end, replayed at every split point (and, for short
// inputs, every three-way split and byte by byte). The replies must not
// depend on the chunking (RK1, RP1).
import { describe, expect, it } from "vitest";
import { createRespKv } from "../../examples/resp-kv.ts";
import { RespParser } from "../../examples/resp/_parser.ts";
import { latin1Bytes, multibulk as mb, Wire } from "./_wire.ts";

interface Frame {
  name: string;
  input: string;
  replies: string;
  /** The connection ends after the replies (QUIT, or framing lost). */
  ends?: boolean;
}

const perr = (why: string) => `-ERR Protocol error: ${why}\r\n`;
const big = "x".repeat(10_000); // > 8 KiB: goes out by reference

export const frames: Frame[] = [
  { name: "multibulk PING", input: mb("PING"), replies: "+PONG\r\n" },
  {
    name: "SET/GET with CRLF and binary inside the bulk",
    input: mb("SET", "k\r\n", "v\r\n\x00\xff") + mb("GET", "k\r\n"),
    replies: "+OK\r\n$5\r\nv\r\n\x00\xff\r\n",
  },
  { name: "empty bulk", input: mb("ECHO", ""), replies: "$0\r\n\r\n" },
  { name: "big bulk", input: mb("SET", "b", big) + mb("GET", "b"), replies: `+OK\r\n$10000\r\n${big}\r\n` },
  { name: "inline", input: "PING\r\nSET a b\r\nGET a\r\n", replies: "+PONG\r\n+OK\r\n$1\r\nb\r\n" },
  {
    name: "inline with LF only and extra spaces",
    input: "  ECHO   x  \nPING\n",
    replies: "$1\r\nx\r\n+PONG\r\n",
  },
  {
    name: "inline quotes and escapes",
    input: `ECHO "a b\\x41\\n"\r\nECHO 'it\\'s'\r\nECHO a"b c"\r\n`,
    replies: "$5\r\na bA\n\r\n$4\r\nit's\r\n$4\r\nab c\r\n",
  },
  {
    name: "empty lines and empty multibulks are skipped",
    input: "\r\n\n*0\r\n*-1\r\nPING\r\n",
    replies: "+PONG\r\n",
  },
  {
    name: "mixed inline and multibulk",
    input: "PING\r\n" + mb("ECHO", "z") + "PING\r\n",
    replies: "+PONG\r\n$1\r\nz\r\n+PONG\r\n",
  },
  { name: "QUIT ends and drops the rest", input: mb("QUIT") + mb("PING"), replies: "+OK\r\n", ends: true },
  // Framing lost: Redis's error, after the replies before it, then the end.
  {
    name: "bad multibulk length",
    input: "PING\r\n*abc\r\nPING\r\n",
    replies: "+PONG\r\n" + perr("invalid multibulk length"),
    ends: true,
  },
  {
    name: "multibulk length without digits",
    input: "*\r\n",
    replies: perr("invalid multibulk length"),
    ends: true,
  },
  {
    name: "multibulk length with a leading zero",
    input: "*01\r\n$4\r\nPING\r\n",
    replies: perr("invalid multibulk length"),
    ends: true,
  },
  {
    name: "multibulk length over the limit",
    input: "*1048577\r\n",
    replies: perr("invalid multibulk length"),
    ends: true,
  },
  {
    name: "CR without LF after the count",
    input: "*1\rX",
    replies: perr("invalid multibulk length"),
    ends: true,
  },
  {
    name: "not a bulk",
    input: "*2\r\n$4\r\nECHO\r\n:1\r\n",
    replies: perr("expected '$', got ':'"),
    ends: true,
  },
  {
    name: "CR where a bulk should be",
    input: "*1\r\n\r\n",
    replies: perr("expected '$', got ' '"),
    ends: true,
  },
  { name: "negative bulk length", input: "*1\r\n$-1\r\n", replies: perr("invalid bulk length"), ends: true },
  {
    name: "bulk length without digits",
    input: "*1\r\n$\r\n",
    replies: perr("invalid bulk length"),
    ends: true,
  },
  {
    name: "bulk length with a leading zero",
    input: "*1\r\n$04\r\nPING\r\n",
    replies: perr("invalid bulk length"),
    ends: true,
  },
  {
    name: "bulk length over 512 MiB",
    input: "*1\r\n$536870913\r\n",
    replies: perr("invalid bulk length"),
    ends: true,
  },
  {
    name: "missing CRLF after the payload",
    input: mb("PING") + "*1\r\n$4\r\nPINGxx",
    replies: "+PONG\r\n" + perr("expected '\\r\\n' after bulk data"),
    ends: true,
  },
  {
    name: "CR but no LF after the payload",
    input: "*1\r\n$4\r\nPING\r\r",
    replies: perr("expected '\\r\\n' after bulk data"),
    ends: true,
  },
  {
    name: "unbalanced quotes",
    input: `PING\r\nECHO "abc\r\nPING\r\n`,
    replies: "+PONG\r\n" + perr("unbalanced quotes in request"),
    ends: true,
  },
  {
    name: "text after a closing quote",
    input: `ECHO "a"b\r\n`,
    replies: perr("unbalanced quotes in request"),
    ends: true,
  },
  {
    name: "inline line over 64 KiB",
    input: "ECHO " + "y".repeat(65_536) + "\r\n",
    replies: perr("too big inline request"),
    ends: true,
  },
];

/** Cut positions to try: all of them for short inputs, a spread for long ones. */
function cuts(length: number): number[] {
  if (length <= 4096) return Array.from({ length: length - 1 }, (_, i) => i + 1);
  const out = new Set<number>();
  for (let i = 1; i < 64; i++) out.add(i).add(length - i);
  for (let i = 1; i < length; i += 997) out.add(i);
  return [...out].filter((c) => c > 0 && c < length).sort((a, b) => a - b);
}

/** Synchronous: nothing stalls here, so nothing waits on a microtask. */
function replay(frame: Frame, chunks: Uint8Array[]): { out: string; ended: boolean } {
  const kv = createRespKv();
  const wire = new Wire(kv);
  for (const c of chunks) wire.send(c);
  kv.db.clear();
  expect(wire.thrown, frame.name).toBeUndefined();
  return { out: wire.output(), ended: wire.t.finSent };
}

describe("RESP frames at every split point", () => {
  for (const frame of frames) {
    it(frame.name, () => {
      const bytes = latin1Bytes(frame.input);
      const whole = replay(frame, [bytes]);
      expect(whole.out).toBe(frame.replies);
      expect(whole.ended).toBe(frame.ends ?? false);
      for (const at of cuts(bytes.length)) {
        const r = replay(frame, [bytes.slice(0, at), bytes.slice(at)]);
        if (r.out !== frame.replies || r.ended !== whole.ended) {
          expect({ ...r, at }).toEqual({ out: frame.replies, ended: whole.ended, at });
        }
      }
      if (bytes.length <= 200) {
        for (let i = 1; i < bytes.length; i++) {
          for (let j = i + 1; j < bytes.length; j++) {
            const r = replay(frame, [bytes.slice(0, i), bytes.slice(i, j), bytes.slice(j)]);
            if (r.out !== frame.replies) expect({ out: r.out, i, j }).toEqual({ out: frame.replies, i, j });
          }
        }
      }
      if (bytes.length <= 20_000) {
        const ones = Array.from(bytes, (b) => Uint8Array.of(b));
        expect((replay(frame, ones)).out).toBe(frame.replies);
      }
    });
  }
});

describe("RespParser", () => {
  it("RP2: a bulk that arrives whole is a view into the chunk; a split one is assembled once", () => {
    const p = new RespParser();
    const chunk = latin1Bytes(mb("SET", "key", "value"));
    expect(p.execute(chunk, 0)).toBe(1);
    expect(p.args.map((a) => a.buffer === chunk.buffer)).toEqual([true, true, true]);
    const a = latin1Bytes("*1\r\n$5\r\nhel");
    const b = latin1Bytes("lo\r\n");
    expect(p.execute(a, 0)).toBe(0);
    expect(p.execute(b, 0)).toBe(1);
    expect(new TextDecoder().decode(p.args[0])).toBe("hello");
    expect(p.offset).toBe(b.length);
  });

  it("RP3: a command past maxCommandBytes fails before its payload arrives", () => {
    const p = new RespParser({ maxCommandBytes: 1000 });
    expect(p.execute(latin1Bytes("*2\r\n$3\r\nSET\r\n$2000\r\n"), 0)).toBe(2);
    expect(p.error).toBe("Protocol error: command larger than 1000 bytes");
    const q = new RespParser({ maxCommandBytes: 1000 });
    // Many small arguments count their bookkeeping too.
    expect(q.execute(latin1Bytes("*100\r\n" + "$1\r\na\r\n".repeat(20)), 0)).toBe(2);
  });

  it("stays failed after an error", () => {
    const p = new RespParser();
    expect(p.execute(latin1Bytes("*x"), 0)).toBe(2);
    expect(p.execute(latin1Bytes(mb("PING")), 0)).toBe(2);
  });
});
