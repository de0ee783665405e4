// The error-code registry (core/errors.ts) is complete: every `TRI_ERR_*`
// code the product's source names is registered, and every registered code
// is produced somewhere. TypeScript holds the typed producers to it
// (`ErrorCode`); this also covers the CLI's plain JavaScript and codes built
// into strings.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { ErrorCodes } from "../../core/errors.ts";

const ROOT = join(import.meta.dirname, "..", "..");
const PRODUCT = ["core", "adapters", "cli"];
const CODE = /\bTRI_ERR_[A-Z0-9_]*/g;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return files(path);
    return /\.(ts|mts|js|mjs)$/.test(name) && !/\.(test|d)\.m?ts$/.test(name) ? [path] : [];
  });
}

/** Every code named in the product's source, with the files that name it. */
function named(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const file of PRODUCT.flatMap((dir) => files(join(ROOT, dir)))) {
    if (file === join(ROOT, "core", "errors.ts")) continue;
    for (const [code] of readFileSync(file, "utf8").matchAll(CODE)) {
      const where = found.get(code) ?? [];
      where.push(relative(ROOT, file));
      found.set(code, where);
    }
  }
  return found;
}

describe("the error-code registry", () => {
  const codes = named();

  it("registers every code the product names", () => {
    const unregistered = [...codes].filter(([code]) => !(code in ErrorCodes))
      .map(([code, where]) => `${code} (${[...new Set(where)].join(", ")})`);
    expect(unregistered, "add them to ErrorCodes in core/errors.ts").toEqual([]);
  });

  it("has no code that nothing produces", () => {
    expect(Object.keys(ErrorCodes).filter((code) => !codes.has(code))).toEqual([]);
  });

  it("the scan sees codes", () => {
    expect(codes.size).toBeGreaterThan(10);
  });
});
