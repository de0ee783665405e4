// The import graph of the whole repository, read from the source with
// TypeScript's parser: static imports and re-exports (type-only ones too),
// and `import("…")` with a literal specifier. No file may reach itself
// through its imports: a cycle makes evaluation order matter and means two
// modules are one concept split in two. And the line between the product
// (what the package ships: core, adapters, cli, bench) and what only this
// repository uses (lab, api, tests, examples) holds: the product never imports
// across it, and the lab imports the product through its entry points.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..", "..");
const DIRS = ["core", "adapters", "cli", "bench", "lab", "api", "examples", "tests"];
const SKIP_DIRS = new Set(["node_modules", "dist", "corpus", "results"]);

/** Imports that may not happen: importer, imported, and why. */
const FORBIDDEN: Array<[RegExp, RegExp, string]> = [
  [/^(core|adapters|cli|bench)\//, /^(lab|api|tests|examples)\//, "the package ships without them"],
  [/^core\//, /^(adapters|cli|bench)\//, "core knows no runtime and no tool"],
  [/^adapters\//, /^(cli|bench)\//, "an adapter maps core onto a runtime, nothing more"],
  [/^cli\//, /^bench\//, "the CLI starts the bench as a process of its own"],
  [/^core\/_shared\//, /^(?!core\/_shared\/)/, "shared leaves import nothing of the layers that share them"],
  [/^tests\//, /^cli\/(?!runtimes\.mjs$|args\.mjs$|run-entry\.ts$)/, "tests use the CLI as users do"],
];

/**
 * What the lab may import of the product: the public entry points, the CLI's
 * runtime finder, the bench's parts (the profiler reuses its wrk driver and
 * server spawner). Below them, only these files, each for a reason.
 */
const LAB_ENTRY =
  /^(adapters\/(node|bun|deno)\/mod\.ts|core\/(mod|types)\.ts|core\/http1\/mod\.ts|cli\/runtimes\.mjs|bench\/.*|tests\/(fixtures|e2e)\/.*)$/;
const LAB_BELOW: Record<string, { files: string[]; why: string }> = {
  "lab/micro/kernel.bench.ts": {
    files: ["core/connection.ts", "core/server/kernel.ts", "core/server/serve.ts", "adapters/_zlib.ts"],
    why: "it runs the kernel engine in-process over a transport that takes every byte: below any entry point",
  },
  "lab/micro/pool.bench.ts": {
    files: ["adapters/detect.ts"],
    why:
      "it runs under whichever runtime starts it, and detect.ts is how triloop picks that runtime's adapter",
  },
};

/** Every source file under `dir`, relative to the root (declarations left out: they import nothing we run). */
function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory()) return SKIP_DIRS.has(e.name) ? [] : sources(path);
    return /\.(ts|mts|mjs)$/.test(e.name) && !/\.d\.m?ts$/.test(e.name) ? [path] : [];
  });
}

/** The relative specifiers `text` imports, re-exports or imports dynamically. */
function specifiers(file: string, text: string): string[] {
  const out: string[] = [];
  const visit = (node: ts.Node): void => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier !== undefined &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      out.push(node.moduleSpecifier.text);
    } else if (
      ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments.length > 0 && ts.isStringLiteral(node.arguments[0])
    ) {
      out.push(node.arguments[0].text);
    }
    ts.forEachChild(node, visit);
  };
  visit(ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false));
  return out.filter((s) => s.startsWith("./") || s.startsWith("../"));
}

/** file → the files it imports, all relative to the root. */
function importGraph(files: string[]): Map<string, string[]> {
  return new Map(files.map((f) => [
    f,
    specifiers(f, readFileSync(join(ROOT, f), "utf8")).map((s) =>
      relative(ROOT, resolve(ROOT, dirname(f), s))
    ),
  ]));
}

/** The strongly connected components of more than one file, or a file importing itself (Tarjan). */
function cycles(graph: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || graph.get(v)?.includes(v)) found.push(component.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

describe("the import graph", () => {
  const graph = importGraph(DIRS.flatMap(sources));

  it("reads every part of the tree", () => {
    for (const dir of DIRS) expect([...graph.keys()].some((f) => f.startsWith(`${dir}/`))).toBe(true);
    expect(graph.get("bench/main.ts")).toContain("bench/config.ts");
  });

  it("has no cycle", () => {
    expect(cycles(graph)).toEqual([]);
  });

  it("the product imports nothing of the lab, the tests or the examples; layers import downwards", () => {
    const broken: string[] = [];
    for (const [from, tos] of graph) {
      for (const to of tos) {
        for (const [a, b, why] of FORBIDDEN) {
          if (a.test(from) && b.test(to)) broken.push(`${from} → ${to}: ${why}`);
        }
      }
    }
    expect(broken).toEqual([]);
  });

  it("the lab imports the product through its entry points (or says why not)", () => {
    const broken: string[] = [];
    for (const [from, tos] of graph) {
      if (!from.startsWith("lab/")) continue;
      for (const to of tos) {
        if (to.startsWith("lab/") || LAB_ENTRY.test(to) || LAB_BELOW[from]?.files.includes(to)) continue;
        broken.push(`${from} → ${to}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it("the check finds a cycle, type-only and dynamic imports included", () => {
    const a = 'import type { B } from "./b.ts";\nexport const a = 1;';
    const b = 'export type B = 1;\nexport const lazy = () => import("./c.ts");';
    const c = 'export { a } from "./a.ts";\nimport "node:fs";';
    expect(specifiers("a.ts", a)).toEqual(["./b.ts"]);
    expect(specifiers("b.ts", b)).toEqual(["./c.ts"]);
    expect(specifiers("c.ts", c)).toEqual(["./a.ts"]);
    const g = new Map([["a", ["b"]], ["b", ["c"]], ["c", ["a"]], ["d", ["a"]], ["e", ["e"]]]);
    expect(cycles(g)).toEqual([["a", "b", "c"], ["e"]]);
  });
});
