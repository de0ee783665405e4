#!/usr/bin/env node
// The triloop command line. Plain JS: it checks the arguments (cli/args.mjs)
// and starts the chosen runtime on cli/run-entry.ts (or the benchmark),
// passing signals on. Nothing starts until every argument is checked; a
// mistake is one line and exit code 2.

import { spawn } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { constants } from "node:os";
import { join, resolve } from "node:path";
import {
  addressFallback,
  chosenRuntime,
  MAIN_HINT,
  parseRuntimesArgs,
  parseServeArgs,
  passedOn,
  SERVE_HELP,
  USAGE,
  UsageError,
} from "./args.mjs";
import { findRuntimes, ROOT, RUN_ENTRY, TSX } from "./runtimes.mjs";

function defaultRuntime() {
  if (globalThis.Bun) return "bun";
  if (globalThis.Deno) return "deno";
  return "node";
}

/** The runtime `id`, available, or a UsageError saying why not. */
function runtimeFor(id, paths) {
  const rt = findRuntimes(paths).find((r) => r.id === id);
  if (rt.available) return rt;
  if (rt.source === "flag") {
    throw new UsageError(`--${rt.kind} '${paths[rt.kind]}' did not start (is it a ${rt.kind} binary?)`);
  }
  throw new UsageError(
    `runtime '${id}' is not available: ${rt.reason}`,
    "(triloop runtimes lists what this install can run, and where it found each)",
  );
}

/**
 * Runs `argv` as a child and mirrors its exit. The child gets a process
 * group of its own, so a terminal's Ctrl-C reaches it once (through us),
 * not twice: to a server, a second signal means "force". Being in another
 * group, it would outlive us if we died without forwarding anything
 * (SIGKILL, a crash), so with `lifeline` its stdin is a pipe from us that
 * nobody writes: when we die, however, the pipe closes and the server
 * (cli/run-entry.ts) stops.
 */
function run(argv, { lifeline }) {
  const child = spawn(argv[0], argv.slice(1), {
    stdio: [lifeline ? "pipe" : "inherit", "inherit", "inherit"],
    detached: true,
    env: lifeline ? { ...process.env, TRILOOP_LIFELINE: "stdin" } : process.env,
  });
  child.stdin?.on("error", () => {
    // the child is gone; its exit event says how
  });
  const forward = (sig) => child.kill(sig);
  process.on("SIGTERM", forward);
  process.on("SIGINT", forward);
  process.on("SIGHUP", forward);
  process.on("exit", () => child.exitCode === null && child.signalCode === null && child.kill("SIGTERM"));
  child.on("error", (err) => {
    console.error(`triloop: cannot start ${argv[0]}: ${err.message}`);
    process.exit(1);
  });
  child.on("exit", (code, signal) => process.exit(code ?? 128 + (constants.signals[signal] ?? 0)));
}

function serve(argv) {
  const args = parseServeArgs(argv);
  if (args.help) {
    console.log(SERVE_HELP);
    return;
  }
  const entry = resolve(args.entry);
  if (!existsSync(entry) || !statSync(entry).isFile()) {
    throw new UsageError(`cannot find the entry file '${args.entry}' (looked for ${entry})`);
  }
  // The environment's PORT and HOSTNAME are checked now too, not after the runtime started.
  addressFallback(args, process.env);
  const rt = runtimeFor(chosenRuntime(args, defaultRuntime()), args);
  run(rt.argv(RUN_ENTRY, [entry, ...passedOn(args)]), { lifeline: true });
}

function runtimes(argv) {
  const args = parseRuntimesArgs(argv);
  if (args.help) {
    console.log(USAGE);
    return;
  }
  for (const rt of findRuntimes(args)) {
    console.log(
      `${rt.id.padEnd(7)} ${
        rt.available ? `${rt.source.padEnd(12)} ${rt.bin}  ${rt.version}` : `unavailable: ${rt.reason}`
      }`,
    );
  }
}

function bench(argv) {
  // The bench's orchestrator and load generator run on this Node; it starts
  // each server under its own runtime. All arguments go to bench/main.ts.
  run([process.execPath, "--import", TSX, join(ROOT, "bench", "main.ts"), ...argv], { lifeline: false });
}

const [command, ...rest] = process.argv.slice(2);
try {
  if (command === undefined) throw new UsageError("no command given", MAIN_HINT);
  if (command === "-h" || command === "--help" || command === "help") console.log(USAGE);
  else if (command === "serve") serve(rest);
  else if (command === "runtimes") runtimes(rest);
  else if (command === "bench") bench(rest);
  else throw new UsageError(`unknown command '${command}'`, MAIN_HINT);
} catch (err) {
  if (!(err instanceof UsageError)) throw err;
  console.error(`triloop: ${err.message}\n${err.hint}`);
  process.exit(2);
}
