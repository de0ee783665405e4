// lab/perf-map.ts: naming perf samples through V8's perf map.
import { describe, expect, it } from "vitest";
import { attribute, groupOf, lookup, parsePerfMap, parsePerfScript } from "../../lab/perf-map.ts";

const ROOT = "/work/repo";

const MAP = [
  "7f0000001000 40 JS:*'quick file:///work/repo/core/http1/_head-grammar.ts:426:12",
  "7f0000000000 100 Builtin:RecordWriteSaveFP",
  "7f0000002000 20 JS:*'fetch file:///work/repo/node_modules/hono/dist/hono-base.js:305:10",
  "not a line",
  "7f0000003000 10 JS:*'read ext:deno_net/01_net.js:1:2120",
  "7f0000004000 10 Stub:CEntry",
  // The same start again, later in the file: the code was reused, the later name holds.
  "7f0000002000 20 JS:+'fetch file:///work/repo/node_modules/hono/dist/hono-base.js:305:10",
].join("\n");

describe("parsePerfMap and lookup", () => {
  const entries = parsePerfMap(MAP);

  it("reads every well-formed line, sorted by address", () => {
    expect(entries.map((e) => e.start)).toEqual([
      0x7f0000000000,
      0x7f0000001000,
      0x7f0000002000,
      0x7f0000002000,
      0x7f0000003000,
      0x7f0000004000,
    ]);
    expect(entries[1]).toEqual({
      start: 0x7f0000001000,
      size: 0x40,
      name: "JS:*'quick file:///work/repo/core/http1/_head-grammar.ts:426:12",
    });
  });

  it("finds the entry holding an address, at both ends of its range and not past it", () => {
    expect(lookup(entries, 0x7f0000001000)?.name).toContain("quick");
    expect(lookup(entries, 0x7f000000103f)?.name).toContain("quick");
    expect(lookup(entries, 0x7f0000001040)).toBeUndefined();
    expect(lookup(entries, 0x7f00000000ff)?.name).toBe("Builtin:RecordWriteSaveFP");
    expect(lookup(entries, 0x6fffffffffff)).toBeUndefined();
    expect(lookup(entries, 0x7f0000009000)).toBeUndefined();
  });

  it("takes the later of two entries at one address (reused code)", () => {
    expect(lookup(entries, 0x7f0000002010)?.name).toMatch(/^JS:\+'fetch/);
  });
});

describe("parsePerfScript", () => {
  it("reads `ip (dso)` lines and skips blank or malformed ones", () => {
    const text = "\n    7f0000001010 (/tmp/perf-42.map)\n ffffffff81000000 ([kernel.kallsyms])\nzz\n" +
      "    55d0 (/work/repo/node_modules/deno/deno)\n";
    expect(parsePerfScript(text)).toEqual([
      { ip: 0x7f0000001010, dso: "/tmp/perf-42.map" },
      { ip: 0xffffffff81000000, dso: "[kernel.kallsyms]" },
      { ip: 0x55d0, dso: "/work/repo/node_modules/deno/deno" },
    ]);
  });
});

describe("groupOf", () => {
  it("groups named code by what it is and where it lives", () => {
    expect(groupOf("Builtin:StringIndexOf", "", ROOT)).toBe("V8 builtins");
    expect(groupOf("JS:*quick file:///work/repo/core/http1/x.ts:1:1", "", ROOT)).toBe("triloop JS");
    expect(groupOf("JS:*readLoop file:///work/repo/adapters/deno/listen.ts:1:1", "", ROOT)).toBe(
      "triloop JS",
    );
    expect(groupOf("JS:*fetch file:///work/repo/node_modules/hono/x.js:1:1", "", ROOT)).toBe(
      "app and dependencies JS",
    );
    expect(groupOf("JS:* file:///work/repo/examples/hello-hono.ts:20:14", "", ROOT)).toBe(
      "app and dependencies JS",
    );
    expect(groupOf("JS:*'read ext:deno_net/01_net.js:1:2120", "", ROOT)).toBe("runtime JS");
    expect(groupOf("JS:^emit node:events:1:1", "", ROOT)).toBe("runtime JS");
    expect(groupOf("Stub:CEntry", "", ROOT)).toBe("other generated code");
  });

  it("groups unnamed samples by their DSO", () => {
    expect(groupOf(undefined, "[kernel.kallsyms]", ROOT)).toBe("Linux");
    expect(groupOf(undefined, "/usr/lib/x86_64-linux-gnu/libc.so.6", ROOT)).toBe("libc");
    expect(groupOf(undefined, "/work/repo/node_modules/deno/deno", ROOT)).toBe("runtime (native code)");
    expect(groupOf(undefined, "/usr/bin/node", ROOT)).toBe("runtime (native code)");
    expect(groupOf(undefined, "/work/repo/node_modules/bun/bin/bun.exe", ROOT)).toBe("runtime (native code)");
    expect(groupOf(undefined, "/tmp/perf-42.map", ROOT)).toBe("JIT code (not named)");
    expect(groupOf(undefined, "/usr/lib/libstdc++.so.6", ROOT)).toBe("other");
  });
});

describe("attribute", () => {
  it("counts samples by symbol and group; names read as repository paths", () => {
    const entries = parsePerfMap(MAP);
    const samples = [
      { ip: 0x7f0000001001, dso: "/tmp/perf-42.map" },
      { ip: 0x7f0000001002, dso: "/tmp/perf-42.map" },
      { ip: 0x7f0000000010, dso: "/work/repo/node_modules/deno/deno" }, // a remapped builtin
      { ip: 0xffffffff81000000, dso: "[kernel.kallsyms]" },
      { ip: 0x1234, dso: "/work/repo/node_modules/deno/deno" },
    ];
    const a = attribute(samples, entries, ROOT);
    expect(a.total).toBe(5);
    expect(a.bySymbol.get("JS:*'quick core/http1/_head-grammar.ts:426:12")).toEqual({
      samples: 2,
      group: "triloop JS",
    });
    expect(a.bySymbol.get("Builtin:RecordWriteSaveFP")).toEqual({ samples: 1, group: "V8 builtins" });
    expect(a.bySymbol.get("([kernel.kallsyms])")).toEqual({ samples: 1, group: "Linux" });
    expect(a.bySymbol.get("(/work/repo/node_modules/deno/deno)")).toEqual({
      samples: 1,
      group: "runtime (native code)",
    });
    expect([...a.byGroup.values()].reduce((x, y) => x + y, 0)).toBe(5);
    expect(a.byGroup.get("triloop JS")).toBe(2);
  });
});
