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
import { rmSync } from "node:fs";
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

rmSync(join(ROOT, "dist"), { recursive: true, force: true });

await esbuild.build({
  absWorkingDir: ROOT,
  entryPoints: ["core/mod.ts", "adapters/node/mod.ts", "adapters/bun/mod.ts", "adapters/deno/mod.ts"],
  outdir: "dist",
  outbase: ".",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "neutral",
  target: "es2022",
  packages: "external",
  external: ["node:*"],
  sourcemap: true,
  logLevel: "warning",
  plugins: [corePurity],
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
