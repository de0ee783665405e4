// The PROXY header reader (core/proxy/parser.ts) and addresses (address.ts):
// every case is replayed at every chunking (PX9).
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  PROXY_DONE,
  PROXY_ERROR,
  PROXY_PENDING,
  type ProxyHeader,
  ProxyParser,
  type ProxyVersion,
} from "../../core/proxy/parser.ts";
import { formatIpv6, inNetworks, parseCidrs, parseIp } from "../../core/proxy/address.ts";
import { resolveProxy } from "../../core/proxy/gate.ts";
import { v1Header, v2Header } from "./_headers.ts";

const te = new TextEncoder();
const APP = te.encode("GET / HTTP/1.1\r\n\r\n");

/** Parses `bytes` split at `cuts`; the outcome, the header or reason, and the bytes after it. */
function parse(version: ProxyVersion, bytes: Uint8Array, cuts: number[] = []) {
  const p = new ProxyParser(version);
  const points = [...new Set(cuts.filter((c) => c > 0 && c < bytes.length))].sort((a, b) => a - b);
  let from = 0;
  let r = PROXY_PENDING;
  const rest: number[] = [];
  for (const to of [...points, bytes.length]) {
    const chunk = bytes.subarray(from, to);
    if (r === PROXY_PENDING) {
      r = p.execute(chunk);
      if (r === PROXY_DONE) rest.push(...p.rest);
    } else rest.push(...chunk);
    from = to;
  }
  return { r, header: p.header, reason: p.reason, rest: new Uint8Array(rest) };
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

const valid: Array<[string, ProxyVersion, Uint8Array, ProxyHeader]> = [
  ["v1 TCP4", "v1", te.encode("PROXY TCP4 192.0.2.7 10.0.0.1 51000 80\r\n"), {
    version: 1,
    command: "proxy",
    source: { address: "192.0.2.7", port: 51000 },
    destination: { address: "10.0.0.1", port: 80 },
  }],
  ["v1 TCP6 written long", "any", te.encode("PROXY TCP6 2001:DB8:0:0:0:0:0:1 ::1 1 65535\r\n"), {
    version: 1,
    command: "proxy",
    source: { address: "2001:db8::1", port: 1 },
    destination: { address: "::1", port: 65535 },
  }],
  ["v1 UNKNOWN", "v1", te.encode("PROXY UNKNOWN ffff::1 ::1 3 4\r\n"), { version: 1, command: "local" }],
  ["v2 PROXY INET", "v2", v2Header({ source: ["203.0.113.9", 40000], destination: ["10.1.2.3", 3000] }), {
    version: 2,
    command: "proxy",
    source: { address: "203.0.113.9", port: 40000 },
    destination: { address: "10.1.2.3", port: 3000 },
  }],
  [
    "v2 PROXY INET6 with TLVs (PX8)",
    "any",
    v2Header({
      source: ["2001:db8::5", 1234],
      destination: ["::ffff:10.0.0.1", 80],
      tlvs: [[0x01, te.encode("http/1.1")], [0x20, new Uint8Array(300)]],
    }),
    {
      version: 2,
      command: "proxy",
      source: { address: "2001:db8::5", port: 1234 },
      destination: { address: "::ffff:10.0.0.1", port: 80 },
    },
  ],
  ["v2 LOCAL (PX4)", "v2", v2Header({ local: true }), { version: 2, command: "local" }],
  ["v2 UNSPEC family", "v2", v2Header({ family: 0 }), { version: 2, command: "local" }],
];

const invalid: Array<[string, ProxyVersion, Uint8Array]> = [
  ["HTTP straight away", "any", APP],
  ["v2 where v1 is configured", "v1", v2Header({ source: ["1.2.3.4", 1], destination: ["1.2.3.4", 2] })],
  ["v1 where v2 is configured", "v2", te.encode("PROXY TCP4 1.2.3.4 1.2.3.4 1 2\r\n")],
  ["v1 bad address", "v1", te.encode("PROXY TCP4 1.2.3.256 1.2.3.4 1 2\r\n")],
  ["v1 leading zero", "v1", te.encode("PROXY TCP4 1.2.3.04 1.2.3.4 1 2\r\n")],
  ["v1 IPv6 under TCP4", "v1", te.encode("PROXY TCP4 ::1 ::1 1 2\r\n")],
  ["v1 port too large", "v1", te.encode("PROXY TCP4 1.2.3.4 1.2.3.4 65536 2\r\n")],
  ["v1 two spaces", "v1", te.encode("PROXY TCP4  1.2.3.4 1.2.3.4 1 2\r\n")],
  ["v1 bare LF", "v1", te.encode("PROXY TCP4 1.2.3.4 1.2.3.4 1 2\n")],
  ["v1 longer than 107 bytes (PX7)", "v1", te.encode(`PROXY UNKNOWN ${"x".repeat(100)}\r\n`)],
  [
    "v2 version 1",
    "v2",
    (() => {
      const h = v2Header({ local: true });
      h[12] = 0x10;
      return h;
    })(),
  ],
  [
    "v2 command 2",
    "v2",
    (() => {
      const h = v2Header({ local: true });
      h[12] = 0x22;
      return h;
    })(),
  ],
  [
    "v2 DGRAM",
    "v2",
    (() => {
      const h = v2Header({ source: ["1.2.3.4", 1], destination: ["1.2.3.4", 2] });
      h[13] = 0x12;
      return h;
    })(),
  ],
  [
    "v2 INET with 4 address bytes",
    "v2",
    (() => {
      const h = v2Header({ local: true });
      h[12] = 0x21;
      h[13] = 0x11;
      return h;
    })(),
  ],
  ["v2 longer than 4096 bytes (PX7)", "v2", v2Header({ tlvs: [[0x20, new Uint8Array(5000)]], local: true })],
];

describe("PROXY header reader", () => {
  for (const [name, version, bytes, header] of valid) {
    it(`PX9 ${name}: the same header and the same rest at every split`, () => {
      const input = concat(bytes, APP);
      for (let cut = 0; cut <= input.length; cut++) {
        const got = parse(version, input, [cut]);
        expect(got.r, `cut ${cut}: ${got.reason}`).toBe(PROXY_DONE);
        expect(got.header).toEqual(header);
        expect(got.rest).toEqual(APP);
      }
      const p = new ProxyParser(version);
      let r = PROXY_PENDING;
      for (let i = 0; i < bytes.length; i++) r = p.execute(bytes.subarray(i, i + 1));
      expect(r).toBe(PROXY_DONE);
    });
  }

  it("PX9 any chunking of any valid header parses the same", () => {
    fc.assert(fc.property(
      fc.constantFrom(...valid),
      fc.array(fc.nat(400), { maxLength: 8 }),
      ([, version, bytes, header], cuts) => {
        const got = parse(version, concat(bytes, APP), cuts);
        return got.r === PROXY_DONE && JSON.stringify(got.header) === JSON.stringify(header) &&
          got.rest.length === APP.length;
      },
    ));
  });

  it("PX9 reads of want() bytes never pass the header's end", () => {
    for (const [, version, bytes] of valid) {
      const input = concat(bytes, APP);
      const p = new ProxyParser(version);
      let at = 0;
      let r = PROXY_PENDING;
      while (r === PROXY_PENDING) {
        const n = p.want();
        expect(n).toBeGreaterThan(0);
        r = p.execute(input.subarray(at, at + n));
        at += Math.min(n, input.length - at);
      }
      expect(r).toBe(PROXY_DONE);
      expect(at).toBe(bytes.length);
      expect(p.rest.length).toBe(0);
    }
  });

  for (const [name, version, bytes] of invalid) {
    it(`PX5 ${name} is refused, at every split`, () => {
      for (let cut = 0; cut <= bytes.length; cut += Math.max(1, bytes.length >> 5)) {
        const got = parse(version, bytes, [cut]);
        expect(got.r, `cut ${cut}`).toBe(PROXY_ERROR);
        expect(got.reason).not.toBe("");
      }
    });
  }

  it("PX5 a client that speaks HTTP first fails at its first byte", () => {
    const p = new ProxyParser("any");
    expect(p.execute(te.encode("G"))).toBe(PROXY_ERROR);
  });

  it("v1Header builds what the parser reads", () => {
    expect(parse("v1", v1Header("TCP4", ["1.1.1.1", 5], ["2.2.2.2", 6])).header?.source)
      .toEqual({ address: "1.1.1.1", port: 5 });
  });
});

describe("addresses", () => {
  it("parses and writes IPv6 as RFC 5952 says", () => {
    const cases: Array<[string, string]> = [
      ["::1", "::1"],
      ["2001:DB8::0:1", "2001:db8::1"],
      ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"],
      ["0:0:0:0:0:0:0:0", "::"],
      ["::ffff:192.0.2.1", "::ffff:192.0.2.1"],
      ["fe80::1:2", "fe80::1:2"],
      ["1:0:2:3:4:5:6:7", "1:0:2:3:4:5:6:7"],
    ];
    for (const [text, canonical] of cases) expect(formatIpv6(parseIp(text)!), text).toBe(canonical);
    for (const bad of [":::1", "1::2::3", "12345::", "1:2:3:4:5:6:7:8:9", "1.2.3.4::", "::1.2.3", "g::1"]) {
      expect(parseIp(bad), bad).toBeUndefined();
    }
  });

  it("matches CIDRs of both families, IPv4-mapped peers as IPv4", () => {
    const nets = parseCidrs("10.0.0.0/8, ::1, fd00::/8");
    expect(inNetworks("10.200.1.1", nets)).toBe(true);
    expect(inNetworks("::ffff:10.1.1.1", nets)).toBe(true);
    expect(inNetworks("11.0.0.1", nets)).toBe(false);
    expect(inNetworks("::1", nets)).toBe(true);
    expect(inNetworks("::2", nets)).toBe(false);
    expect(inNetworks("fd12::9", nets)).toBe(true);
    expect(inNetworks("127.0.0.1", parseCidrs(["127.0.0.0/8"]))).toBe(true);
    expect(inNetworks("128.0.0.1", parseCidrs(["127.0.0.0/8"]))).toBe(false);
    expect(inNetworks("0.0.0.1", parseCidrs(["0.0.0.0/0"]))).toBe(true);
    expect(() => parseCidrs(["10.0.0.0/33"])).toThrow(/CIDR/);
    expect(() => parseCidrs(["nonsense"])).toThrow(/CIDR/);
  });
});

describe("PROXY options", () => {
  it("a bad trustedProxies list is an error even with the protocol off", () => {
    expect(() => resolveProxy({ trustedProxies: ["10.0.0.0/40"] })).toThrow(/CIDR/);
    expect(resolveProxy({ trustedProxies: "10.0.0.0/8" })).toBeUndefined();
    expect(() => resolveProxy({ proxyProtocol: "v3" as "v2" })).toThrow(/proxyProtocol/);
    expect(resolveProxy({ proxyProtocol: "any" })?.trusted.length).toBe(2);
  });
});
