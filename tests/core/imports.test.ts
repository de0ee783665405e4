// The import graph of the whole repository, read from the source with
// TypeScript's parser: static imports and re-exports (type-only ones too),
// and `import("…")` with a literal specifier. No file may reach itself
// through its imports: a cycle makes evaluation order matter and means two
// modules are one concept split in two.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..", "..");
const DIRS = ["core", "adapters", "cli", "bench", "examples", "tests"];
const SKIP_DIRS = new Set(["node_modules", "dist", "corpus", "results"]);

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
