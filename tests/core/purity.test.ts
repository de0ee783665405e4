// core/ must run on any runtime: it imports nothing runtime-specific and
// touches no runtime global. This proves it on the source text (the
// core/tsconfig.json type check, with no runtime types, proves it again).
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

const CORE = join(import.meta.dirname, "..", "..", "core");

const FORBIDDEN: Array<[RegExp, string]> = [
  [/\bfrom\s+["'](node:[^"']+|bun(:[^"']*)?|deno(:[^"']*)?)["']/, "imports a runtime module"],
  [/\bimport\s*\(\s*["'](node:|bun|deno)/, "imports a runtime module dynamically"],
  [/\brequire\s*\(/, "uses require()"],
  [/\bDeno\s*\./, "touches Deno"],
  [/\bBun\s*\./, "touches Bun"],
  [/\bprocess\s*[.[]/, "touches process"],
  [/\bBuffer\b/, "uses Buffer"],
  [/\b__dirname\b|\b__filename\b/, "uses CommonJS globals"],
];

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return files(path);
    return /\.(ts|mts|js|mjs)$/.test(name) && !name.endsWith(".test.ts") ? [path] : [];
  });
}

/** Drops comments and string contents, so prose that says "process" is fine. */
function code(text: string): string {
  return text
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/(^|[^:"'`])\/\/.*$/gm, "$1")
    .replace(/`(?:\\[\s\S]|[^`\\])*`/g, "``")
    .replace(/"(?:\\.|[^"\\\n])*"/g, (s) => (s.startsWith('"node:') || /^"(bun|deno)/.test(s) ? s : '""'));
}

describe("core purity", () => {
  const list = files(CORE);
  it("finds the core sources", () => {
    expect(list.length).toBeGreaterThan(3);
  });
  for (const file of list) {
    it(`${relative(CORE, file)} touches no runtime`, () => {
      const src = code(readFileSync(file, "utf8"));
      const hits = FORBIDDEN.filter(([re]) => re.test(src)).map(([, why]) => why);
      expect(hits).toEqual([]);
    });
  }
  it("the check catches a violation", () => {
    const bad = code('import fs from "node:fs";\nconst b = Buffer.from("x");\nprocess.exit(1);');
    expect(FORBIDDEN.filter(([re]) => re.test(bad)).length).toBe(3);
  });
});
