/**
 * A user's project outside the repository, with triloop installed from the
 * packed tarball: packing, installing, and running commands there with the
 * environment a user's shell has (no node_modules of this repository on
 * PATH; Bun, Deno and Node 24 on PATH when this checkout has them).
 *
 * @module
 */

import { spawn } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import process from "node:process";
import { findRuntimes, ROOT } from "../../cli/runtimes.mjs";

/** What a command printed and how it ended. */
export interface Ran {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `argv` to its end (killed after `timeoutMs`). */
export function run(
  argv: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<Ran> {
  return new Promise((done, fail) => {
    const child = spawn(argv[0], argv.slice(1), {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ["ignore", "pipe", "pipe"],
      timeout: options.timeoutMs ?? 60_000,
      killSignal: "SIGKILL",
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (t: string) => (stdout += t));
    child.stderr.setEncoding("utf8").on("data", (t: string) => (stderr += t));
    child.on("error", fail);
    child.on("close", (code, signal) => done({ code, signal, stdout, stderr }));
  });
}

/** `argv` and its output, for a failure message. */
export function report(argv: string[], r: Ran): string {
  return `${argv.join(" ")} -> ${r.code ?? r.signal}\n--- stdout\n${r.stdout.slice(-4000)}\n--- stderr\n${
    r.stderr.slice(-4000)
  }`;
}

/** Where the test's stand-in for a user's shell finds each runtime of this checkout. */
export interface ShellRuntimes {
  /** Runtime id -> binary, for the runtimes this checkout has. */
  bins: Map<string, string>;
  /** Runtime id -> why it is missing. */
  missing: Map<string, string>;
}

/**
 * A user's environment: PATH without any node_modules folder, then a folder
 * with `bun` and `deno`, then one with Node 24 as `node` (last, so `node` is
 * still the machine's). npm's per-script variables are dropped.
 */
export function userShell(home: string): { env: NodeJS.ProcessEnv; runtimes: ShellRuntimes } {
  const bins = new Map<string, string>();
  const missing = new Map<string, string>();
  for (const rt of findRuntimes({ cwd: ROOT })) {
    if (rt.available) bins.set(rt.id, rt.bin);
    else missing.set(rt.id, rt.reason ?? "not available");
  }
  const rtDir = join(home, "runtimes");
  const node24Dir = join(home, "node24");
  mkdirSync(rtDir, { recursive: true });
  mkdirSync(node24Dir, { recursive: true });
  for (const id of ["bun", "deno"]) if (bins.has(id)) symlinkSync(bins.get(id)!, join(rtDir, id));
  if (bins.has("node24")) symlinkSync(bins.get("node24")!, join(node24Dir, "node"));
  const path = (process.env.PATH ?? "").split(delimiter).filter((d) =>
    d !== "" && !d.includes("node_modules")
  );
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(npm_package_|npm_lifecycle_|npm_config_local_prefix$|INIT_CWD$)/.test(k)) continue;
    env[k] = v;
  }
  env.PATH = [...path, rtDir, node24Dir].join(delimiter);
  delete env.npm_node_execpath;
  return { env, runtimes: { bins, missing } };
}

/** The tarball `npm pack` writes (its prepare script builds dist/ if a source changed). */
export async function pack(into: string, env: NodeJS.ProcessEnv): Promise<string> {
  const argv = ["npm", "pack", "--pack-destination", into];
  const r = await run(argv, { cwd: ROOT, env, timeoutMs: 180_000 });
  if (r.code !== 0) throw new Error(report(argv, r));
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
  return join(into, `${pkg.name}-${pkg.version}.tgz`);
}

/** npm errors that mean "no network and not in the cache", not a broken package. */
const OFFLINE = /ENOTCACHED|ENOTFOUND|EAI_AGAIN|ENETUNREACH|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH/;

/**
 * Creates a project (`package.json` with `type` or none), copies the user's
 * files from tests/package/project/ and installs the tarball. Resolves to
 * the reason when npm cannot get the dependencies (offline, empty cache);
 * throws for any other failure.
 */
export async function install(
  dir: string,
  tarball: string,
  type: "module" | undefined,
  env: NodeJS.ProcessEnv,
): Promise<string | undefined> {
  mkdirSync(dir, { recursive: true });
  const pkg = { name: `user-project-${type ?? "no-type"}`, version: "1.0.0", private: true, type };
  writeFileSync(join(dir, "package.json"), JSON.stringify(pkg, null, 2) + "\n");
  for (const f of ["app.ts", "tasks.ts", "tasks.mjs", "use.mjs", "deno-check.ts"]) {
    copyFileSync(join(ROOT, "tests", "package", "project", f), join(dir, f));
  }
  // The same program as TypeScript; `.mts` where the package type makes `.ts` CommonJS.
  copyFileSync(join(dir, "use.mjs"), join(dir, type === "module" ? "use.ts" : "use.mts"));
  const argv = [
    "npm",
    "install",
    tarball,
    "--prefer-offline",
    "--no-audit",
    "--no-fund",
    "--fetch-retries=0",
  ];
  const r = await run(argv, { cwd: dir, env, timeoutMs: 180_000 });
  if (r.code === 0) return undefined;
  const line = OFFLINE.exec(r.stderr + r.stdout);
  if (line) {
    return `npm could not get triloop's dependencies (${line[0]}: no network, and not in the npm cache)`;
  }
  throw new Error(report(argv, r));
}

/** A server started with `npx triloop serve` in a project. */
export interface Served {
  url: string;
  output(): string;
  /** SIGTERM to npx's process group; resolves once the server has ended too. */
  stop(): Promise<void>;
}

const LISTENING = /listening on (http:\/\/\S+)/;

/** `npx triloop serve <args>` in `cwd`, resolved once it prints its URL. */
export function serve(args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<Served> {
  // A process group of its own: npx, the launcher and the runtime get the SIGTERM together.
  const child = spawn("npx", ["triloop", "serve", ...args], { cwd, env, detached: true, stdio: "pipe" });
  let out = "";
  // "close": every process holding the output pipes (npx, the launcher, the server) has ended.
  const closed = new Promise<void>((done) => child.on("close", () => done()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, "SIGTERM");
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<void>((_, fail) => {
      timer = setTimeout(() => fail(new Error(`the server did not end 15 s after SIGTERM:\n${out}`)), 15_000);
    });
    try {
      await Promise.race([closed, late]);
    } finally {
      clearTimeout(timer);
    }
  };
  return new Promise((ready, fail) => {
    const timer = setTimeout(() => {
      fail(new Error(`no 'listening on' line after 30 s:\n${out}`));
      void stop();
    }, 30_000);
    const collect = (t: string) => {
      out += t;
      const m = LISTENING.exec(out);
      if (m !== null) {
        clearTimeout(timer);
        ready({ url: m[1], output: () => out, stop });
      }
    };
    child.stdout!.setEncoding("utf8").on("data", collect);
    child.stderr!.setEncoding("utf8").on("data", collect);
    child.on("exit", (code) => {
      clearTimeout(timer);
      fail(new Error(`exited (${code}) before listening:\n${out}`));
    });
  });
}
