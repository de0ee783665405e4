#!/usr/bin/env node
// The triloop command line. Plain JS: it only parses arguments and starts the
// chosen runtime on cli/run-entry.ts (or the benchmark), passing signals on.

import { spawn } from "node:child_process";
import { join, resolve } from "node:path";
import { findRuntimes, ROOT, RUN_ENTRY, runtimeById, TSX } from "./runtimes.mjs";

const USAGE = `usage:
  triloop serve <entry> [--runtime node|node24|bun|deno] [--node <path>] [--port N] [--hostname H]
                [--engine kernel|native|auto] [--loops auto|N] [--loop-host thread|process]
                [--grace MS] [--stats-port N]
  triloop runtimes
  triloop bench [<entry>] [--preset default|tcp] [options]   (triloop bench --help lists them)

  serve     runs <entry> (default export: a connection handler, or { fetch })
            under the runtime and prints "listening on <url>". --loops runs one
            loop per core (auto) or N loops on the same port under a supervisor
            that respawns dead ones; SIGTERM/SIGINT drain for at most --grace ms
            (default 10000), a second signal forces; --stats-port serves the
            counters of every loop as JSON.
  runtimes  lists the runtimes found, and where: --node/--bun/--deno, the
            project's node_modules/.bin, PATH, or triloop's own install.
  bench     runs the cross-runtime benchmark (bench/main.ts) on this Node.`;

function parse(argv) {
  const flags = {};
  const positional = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "-h" || a === "--help") flags.help = "true";
    else if (a.startsWith("--")) {
      const eq = a.indexOf("=");
      if (eq > 0) flags[a.slice(2, eq)] = a.slice(eq + 1);
      else flags[a.slice(2)] = argv[++i];
    } else positional.push(a);
  }
  return { flags, positional };
}

function defaultRuntime() {
  if (globalThis.Bun) return "bun";
  if (globalThis.Deno) return "deno";
  return "node";
}

function run(argv) {
  // The child gets a process group of its own, so a terminal's Ctrl-C reaches
  // it once (through us), not twice: to a server, a second signal means "force".
  const child = spawn(argv[0], argv.slice(1), { stdio: "inherit", detached: true });
  const forward = (sig) => child.kill(sig);
  process.on("SIGTERM", forward);
  process.on("SIGINT", forward);
  process.on("SIGHUP", forward);
  process.on("exit", () => child.exitCode === null && child.kill("SIGTERM"));
  child.on("exit", (code, signal) => process.exit(code ?? (signal ? 128 + 15 : 1)));
}

const { flags, positional } = parse(process.argv.slice(2));
const [command, entry] = positional;

if ((flags.help && command !== "bench") || !command) {
  console.log(USAGE);
  process.exit(command || flags.help ? 0 : 2);
}

// Explicit runtime binaries (--node, --bun, --deno) come before any search.
const found = () => findRuntimes({ node: flags.node, bun: flags.bun, deno: flags.deno });

if (command === "runtimes") {
  for (const rt of found()) {
    console.log(
      `${rt.id.padEnd(7)} ${
        rt.available ? `${rt.source.padEnd(12)} ${rt.bin}  ${rt.version}` : `unavailable: ${rt.reason}`
      }`,
    );
  }
} else if (command === "serve") {
  if (!entry) {
    console.error(USAGE);
    process.exit(2);
  }
  const rt = runtimeById(flags.runtime ?? defaultRuntime(), found());
  const passed = [];
  for (const key of ["port", "hostname", "engine", "loops", "loop-host", "grace", "stats-port"]) {
    if (flags[key] !== undefined) passed.push(`--${key}`, flags[key]);
  }
  run(rt.argv(RUN_ENTRY, [resolve(entry), ...passed]));
} else if (command === "bench") {
  // The bench's orchestrator and load generator run on this Node; it starts
  // each server under its own runtime. All arguments go to bench/main.ts.
  const rest = process.argv.slice(process.argv.indexOf("bench") + 1);
  run([process.execPath, "--import", TSX, join(ROOT, "bench", "main.ts"), ...rest]);
} else {
  console.error(`triloop: unknown command '${command}'\n${USAGE}`);
  process.exit(2);
}
