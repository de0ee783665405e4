/** The byte classes, name matching and string helpers the parser relies on. */

import { describe, expect, it } from "vitest";
import { Field, fieldOf, lowerName } from "../../core/http1/field-names.ts";
import { Method, methodOf } from "../../core/http1/methods.ts";
import { FIELD_VALUE, HEX, HOST, latin1, TOKEN, URI } from "../../core/http1/tokens.ts";

const bytes = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
const all = Array.from({ length: 256 }, (_, c) => c);

describe("byte classes", () => {
  it("TOKEN is tchar (RFC 9110 §5.6.2)", () => {
    const tchar = new Set("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ");
    for (const c of all) expect(TOKEN[c] === 1, `byte ${c}`).toBe(tchar.has(String.fromCharCode(c)));
  });

  it("FIELD_VALUE is HTAB / SP / VCHAR / obs-text, as the grammar's inline compare says", () => {
    for (const c of all) {
      const spec = c === 9 || c === 32 || (c >= 0x21 && c <= 0x7e) || c >= 0x80;
      expect(FIELD_VALUE[c] === 1, `byte ${c}`).toBe(spec);
      expect(!(c < 32 ? c !== 9 : c === 127), `inline, byte ${c}`).toBe(spec);
    }
  });

  it("URI is visible ASCII, as the grammar's inline compare says", () => {
    for (const c of all) {
      expect(URI[c] === 1).toBe(c >= 0x21 && c <= 0x7e);
      expect(!(c <= 32 || c >= 127)).toBe(c >= 0x21 && c <= 0x7e);
    }
  });

  it("HOST and HEX", () => {
    expect([...bytes("a-Z.0_~!$&'()*+,;=%:[]")].every((c) => HOST[c] === 1)).toBe(true);
    expect([...bytes('/?#@ "<>\\^`{|}')].some((c) => HOST[c] === 1)).toBe(false);
    expect([..."0123456789abcdefABCDEF"].map((c) => HEX[c.charCodeAt(0)])).toEqual([
      ...Array.from({ length: 16 }, (_, i) => i),
      10,
      11,
      12,
      13,
      14,
      15,
    ]);
    expect(HEX["g".charCodeAt(0)]).toBe(-1);
  });
});

describe("names", () => {
  it("methods are case-sensitive small integers", () => {
    const m = (s: string) => methodOf(bytes(s), 0, s.length);
    expect([
      m("GET"),
      m("HEAD"),
      m("POST"),
      m("PUT"),
      m("DELETE"),
      m("CONNECT"),
      m("OPTIONS"),
      m("TRACE"),
      m("PATCH"),
    ])
      .toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect([m("get"), m("GETS"), m("PUX"), m("BREW")]).toEqual([Method.OTHER, Method.OTHER, Method.OTHER, 0]);
  });

  it("framing fields are found case-insensitively, and only those", () => {
    const f = (s: string) => fieldOf(bytes(s), 0, s.length);
    expect(f("HOST")).toBe(Field.HOST);
    expect(f("content-LENGTH")).toBe(Field.CONTENT_LENGTH);
    expect(f("Transfer-Encoding")).toBe(Field.TRANSFER_ENCODING);
    expect(f("Connection")).toBe(Field.CONNECTION);
    expect(f("expect")).toBe(Field.EXPECT);
    expect(f("Upgrade")).toBe(Field.UPGRADE);
    expect([f("Hosts"), f("Content-Lengt"), f("User-Agent"), f("Accept")]).toEqual([0, 0, 0, 0]);
  });

  it("lower-cases names, interning the common ones", () => {
    const n = (s: string) => lowerName(bytes(s), 0, s.length);
    expect(n("User-Agent")).toBe("user-agent");
    expect(n("X-Custom-ABC")).toBe("x-custom-abc");
  });

  it("latin1 keeps every byte as one char, short or long", () => {
    const b = Uint8Array.from(all);
    expect(latin1(b, 0, 256)).toBe(String.fromCharCode(...all));
    expect(latin1(b, 250, 256)).toBe(String.fromCharCode(250, 251, 252, 253, 254, 255));
    const big = new Uint8Array(20_000).fill(0xe9);
    expect(latin1(big, 0, big.length)).toBe("\xe9".repeat(20_000));
    expect(latin1(b, 5, 5)).toBe("");
  });
});
