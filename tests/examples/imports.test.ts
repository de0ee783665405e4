// The examples are written as a user writes them: triloop comes from
// "triloop" (its public entry points), never from core/ or adapters/ by
// path. Other imports are packages or the example's own files.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const EXAMPLES = join(import.meta.dirname, "..", "..", "examples");
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)["']([^"']+)["']/g;
const PUBLIC = new Set(["triloop", "triloop/node", "triloop/bun", "triloop/deno", "triloop/hono"]);

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return files(path);
    return /\.(ts|mts|js|mjs)$/.test(name) ? [path] : [];
  });
}

/** Why `specifier`, imported by `file`, is not what a user could write; undefined if it is. */
function notPublic(file: string, specifier: string): string | undefined {
  if (specifier.startsWith(".")) {
    const target = resolve(file, "..", specifier);
    return relative(EXAMPLES, target).startsWith("..") ? "reaches outside examples/" : undefined;
  }
  if (specifier.startsWith("triloop")) return PUBLIC.has(specifier) ? undefined : "is not an entry point";
  return undefined;
}

describe("examples import triloop as users do", () => {
  for (const file of files(EXAMPLES)) {
    it(relative(EXAMPLES, file), () => {
      const text = readFileSync(file, "utf8");
      const bad = [...text.matchAll(SPECIFIER)].map((m) => [m[1], notPublic(file, m[1])])
        .filter(([, why]) => why !== undefined).map(([s, why]) => `${s} ${why}`);
      expect(bad).toEqual([]);
    });
  }

  it("the check catches a path into core/ and an internal subpath", () => {
    const file = join(EXAMPLES, "x.ts");
    expect(notPublic(file, "../core/types.ts")).toBe("reaches outside examples/");
    expect(notPublic(join(EXAMPLES, "resp", "x.ts"), "../../adapters/detect.ts")).toBe(
      "reaches outside examples/",
    );
    expect(notPublic(file, "triloop/core")).toBe("is not an entry point");
    expect(notPublic(file, "./resp/_store.ts")).toBeUndefined();
    expect(notPublic(file, "hono")).toBeUndefined();
  });
});
