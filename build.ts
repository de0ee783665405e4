/**
 * Builds `dist/` for npm: every source file of core/, the three adapters and
 * the CLI's entry runner as its own ES module, and type declarations. An
 * installed package runs only this JavaScript: Deno does not strip types from
 * `.ts` files under node_modules. Fails if anything under `core/` imports a
 * runtime module — core must stay portable.
 *
 * Run: `npm run build` (node --import tsx build.ts). With `--if-stale` it
 * builds only when a source is newer than the last build: `npm install`
 * (the `prepare` script), `npm start`, the type check and vitest run it so,
 * because the examples import "triloop", which resolves to dist/ (Deno's
 * checkout maps it to the source in deno.json).
 *
 * @module
 */

import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
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

/** What dist/ is built from: a change to any of it makes the build stale. */
const INPUTS = [
  "core",
  "adapters",
  "cli",
  "build.ts",
  "package.json",
  "tsconfig.json",
  "tsconfig.build.json",
];
/** Touched after each successful build (outside dist/, so it is not packed). */
const STAMP = join(ROOT, ".tmp", "dist.stamp");

/** The latest modification time under `path`, in ms. */
function newest(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  return readdirSync(path).reduce((t, name) => Math.max(t, newest(join(path, name))), st.mtimeMs);
}

function fresh(): boolean {
  if (!existsSync(join(ROOT, "dist", "adapters", "node", "mod.js"))) return false;
  try {
    return statSync(STAMP).mtimeMs >= Math.max(...INPUTS.map((p) => newest(join(ROOT, p))));
  } catch {
    return false;
  }
}

if (process.argv.includes("--if-stale") && fresh()) {
  console.log("dist/ is up to date");
  process.exit(0);
}

// A source saved while the build runs leaves the build stale.
const started = new Date();
rmSync(join(ROOT, "dist"), { recursive: true, force: true });

await esbuild.build({
  absWorkingDir: ROOT,
  entryPoints: [...sources("core"), ...sources("adapters"), "cli/run-entry.ts", "cli/run-loops.ts"],
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

const tsc = join(ROOT, "node_modules/typescript/bin/tsc");
const declarations = ["--emitDeclarationOnly", "--declaration", "--outDir", "dist", "--rootDir", "."];
// Declarations for the Node and Bun entries and core, type-checked.
execFileSync(process.execPath, [tsc, "-p", "tsconfig.build.json", "--noEmit", "false", ...declarations], {
  stdio: "inherit",
  cwd: ROOT,
});
// Deno's adapter needs Deno's types, which tsc does not have: its
// declarations are emitted unchecked (`deno check` checks it in npm test).
// Every export it declares is typed with core's types.
execFileSync(
  process.execPath,
  [
    tsc,
    "--noCheck",
    ...declarations,
    "--target",
    "es2022",
    "--module",
    "nodenext",
    "--allowImportingTsExtensions",
    "--skipLibCheck",
    "adapters/deno/mod.ts",
  ],
  { stdio: "inherit", cwd: ROOT },
);
mkdirSync(dirname(STAMP), { recursive: true });
writeFileSync(STAMP, `${started.toISOString()}\n`);
utimesSync(STAMP, started, started);
console.log("built dist/");
