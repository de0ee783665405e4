/**
 * Builds `dist/` for npm: ESM bundles of each public entry (shared chunks
 * split out) and type declarations. Fails if anything under `core/` imports a
 * runtime module — core must stay portable.
 *
 * Run: `npm run build` (node --import tsx build.ts).
 *
 * @module
 */

import { execFileSync } from "node:child_process";
import { readdirSync, rmSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const ROOT = dirname(fileURLToPath(import.meta.url));
const RUNTIME_MODULE = /^(node:|bun$|bun:|deno$|deno:|npm:|jsr:)/;

/** Rejects any runtime import whose importer lives under core/. */
const corePurity: esbuild.Plugin = {
  name: "core-purity",
  setup(build) {
    build.onResolve({ filter: /.*/ }, (args) => {
      const from = relative(ROOT, args.importer);
      if (from.startsWith(`core${sep}`) && RUNTIME_MODULE.test(args.path)) {
        return {
          errors: [{ text: `${from} imports the runtime module '${args.path}'; core/ must stay portable` }],
        };
      }
      return undefined;
    });
  },
};

/**
 * Relative `.ts` imports become `.js` imports of the sibling output file, so
 * every source file is its own module in `dist/` (the tree is kept): worker
 * entries (`new URL("./pool-worker.ts", import.meta.url)`) then still sit
 * beside the code that starts them, which a bundle would break.
 */
const perFile: esbuild.Plugin = {
  name: "per-file",
  setup(build) {
    build.onResolve({ filter: /^\.\.?\/.*\.ts$/ }, (args) => {
      if (args.kind === "entry-point") return undefined;
      return { path: args.path.replace(/\.ts$/, ".js"), external: true };
    });
    build.onLoad({ filter: /\.ts$/ }, async (args) => {
      const text = await readFile(args.path, "utf8");
      return {
        contents: text.replace(
          /new URL\(("\.\.?\/[^"]+)\.ts",\s*import\.meta\.url\)/g,
          'new URL($1.js", import.meta.url)',
        ),
        loader: "ts",
      };
    });
  },
};

/** Every source file of the published tree (tests and declarations excluded). */
function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory()) return sources(path);
    return e.name.endsWith(".ts") && !e.name.endsWith(".d.ts") && !e.name.endsWith(".test.ts") ? [path] : [];
  });
}

rmSync(join(ROOT, "dist"), { recursive: true, force: true });

await esbuild.build({
  absWorkingDir: ROOT,
  entryPoints: [...sources("core"), ...sources("adapters")],
  outdir: "dist",
  outbase: ".",
  bundle: true,
  format: "esm",
  platform: "neutral",
  target: "es2022",
  packages: "external",
  external: ["node:*"],
  sourcemap: true,
  logLevel: "warning",
  plugins: [corePurity, perFile],
});

// Declarations for the Node and Bun entries and core (Deno users import the
// TypeScript sources through the "deno" export condition).
execFileSync(
  process.execPath,
  [
    join(ROOT, "node_modules/typescript/bin/tsc"),
    "-p",
    "tsconfig.build.json",
    "--noEmit",
    "false",
    "--emitDeclarationOnly",
    "--declaration",
    "--rewriteRelativeImportExtensions",
    "--outDir",
    "dist",
    "--rootDir",
    ".",
  ],
  { stdio: "inherit", cwd: ROOT },
);
console.log("built dist/");
