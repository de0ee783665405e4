// Invariant IDs are unique across the project: one prefix per contract (S, C,
// L, H, T, PL, WD, LP, G, U, HP, HW, WP, WH, the bench's B…, the RESP
// example's RK, RP, RR, KS), and each ID defined once. A definition is a list
// item of a JSDoc block that starts with the ID: `- **PL3 transfer-moves**: …`
// or `- U2 origin-form: …`. Tests are named after the invariant they check, so
// a test name that starts with an ID must name a defined one.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..", "..");
const DIRS = ["core", "adapters", "cli", "bench", "lab", "examples", "tests"];
const SKIP = new Set(["node_modules", "dist", "results", "corpus"]);

const JSDOC = /\/\*\*[\s\S]*?\*\//g;
const DEFINITION = /^\s*\*\s*-\s+(?:\*\*)?([A-Z]{1,3}\d{1,2})(?=[\s*:])/gm;
/** A test or case named after an invariant: `it("PL3 …")`, `name: "H4 …"`. */
const TEST_NAME =
  /(?:\b(?:it|test|describe)(?:\.\w+)*\(\s*|\bname:\s*)["'`]([A-Z]{1,3}\d{1,2})(?=[\s:/,–-])/g;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    if (SKIP.has(name)) return [];
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return files(path);
    return /\.(ts|mts|js|mjs)$/.test(name) && !name.endsWith(".d.ts") ? [path] : [];
  });
}

function lineOf(text: string, index: number): number {
  return text.slice(0, index).split("\n").length;
}

/** Every invariant defined in a JSDoc block: ID → `file:line` of each definition. */
function definitions(sources: Array<[string, string]>): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const [file, text] of sources) {
    for (const block of text.matchAll(JSDOC)) {
      for (const m of block[0].matchAll(DEFINITION)) {
        const where = `${file}:${lineOf(text, block.index + m.index)}`;
        found.set(m[1], [...(found.get(m[1]) ?? []), where]);
      }
    }
  }
  return found;
}

const sources = DIRS.flatMap((dir) => files(join(ROOT, dir)))
  .map((file): [string, string] => [relative(ROOT, file), readFileSync(file, "utf8")]);

describe("invariant IDs", () => {
  const defined = definitions(sources);

  it("finds the contracts' invariants", () => {
    for (const id of ["S1", "C1", "L1", "H1", "T1", "PL1", "WD1", "LP1"]) {
      expect(defined.has(id), id).toBe(true);
    }
  });

  it("each ID is defined once, project-wide", () => {
    const twice = [...defined].filter(([, where]) => where.length > 1).map(([id, where]) =>
      `${id}: ${where.join(", ")}`
    );
    expect(twice, "give one of each pair a prefix of its own contract").toEqual([]);
  });

  it("every test named after an invariant names a defined one", () => {
    const unknown: string[] = [];
    for (const [file, text] of sources) {
      if (!file.startsWith("tests/")) continue;
      for (const m of text.matchAll(TEST_NAME)) {
        if (!defined.has(m[1])) unknown.push(`${m[1]} (${file}:${lineOf(text, m.index)})`);
      }
    }
    expect(unknown).toEqual([]);
  });

  it("the scan sees a duplicate and both definition forms", () => {
    const found = definitions([
      ["a.ts", "/**\n * Invariants:\n * - **X1 one**: a\n * - X2 two\n */"],
      ["b.ts", "/** Invariants:\n * - **X1 again**: b\n */"],
    ]);
    expect(found.get("X1")).toEqual(["a.ts:3", "b.ts:2"]);
    expect(found.get("X2")).toEqual(["a.ts:4"]);
  });
});
