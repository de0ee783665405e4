// Latin1Memo: the same string back for the same bytes, a fresh decode for
// anything else (same length, different bytes; longer than it remembers).
import { describe, expect, it } from "vitest";
import { latin1, Latin1Memo } from "../../core/http1/tokens.ts";

const bytes = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

describe("Latin1Memo", () => {
  it("decodes like latin1 and returns the same string for the same bytes anywhere in a buffer", () => {
    const m = new Latin1Memo();
    const a = bytes("xx127.0.0.1:3000yy");
    const first = m.decode(a, 2, 16);
    expect(first).toBe("127.0.0.1:3000");
    const b = bytes("127.0.0.1:3000");
    expect(m.decode(b, 0, b.length)).toBe(first);
  });

  it("same length, different bytes: a new decode, which is remembered in turn", () => {
    const m = new Latin1Memo();
    expect(m.decode(bytes("/a"), 0, 2)).toBe("/a");
    expect(m.decode(bytes("/b"), 0, 2)).toBe("/b");
    expect(m.decode(bytes("/b"), 0, 2)).toBe("/b");
    expect(m.decode(bytes("/a"), 0, 2)).toBe("/a");
    expect(m.decode(bytes("\xff\x80"), 0, 2)).toBe("\xff\x80");
    expect(m.decode(bytes(""), 0, 0)).toBe("");
  });

  it("spans longer than it remembers are decoded every time, correctly", () => {
    const m = new Latin1Memo();
    const long = "/" + "x".repeat(300);
    const other = "/" + "y".repeat(300);
    expect(m.decode(bytes(long), 0, long.length)).toBe(long);
    expect(m.decode(bytes(other), 0, other.length)).toBe(other);
    expect(m.decode(bytes(long), 0, long.length)).toBe(latin1(bytes(long), 0, long.length));
  });
});
