/**
 * Runs one entry module on the runtime executing this file: loads the
 * adapter, the entry's default export, and serves it — in this thread, or
 * with `--loops` under a supervisor (cli/run-loops.ts). The launcher
 * (`cli/triloop.mjs`) starts this file under the chosen runtime.
 *
 * Usage: run-entry.ts <entry> [--port N] [--hostname H] [--engine kernel|native|auto]
 *        [--loops auto|N] [--loop-host thread|process] [--grace MS] [--stats-port N]
 *
 * SIGTERM or SIGINT closes gracefully (at most `--grace` ms, default 10 000)
 * and prints how it ended; a second signal forces (exit 1).
 *
 * @module
 */

import process from "node:process";
import { pathToFileURL } from "node:url";
import { resolve } from "node:path";
import { currentRuntime } from "../adapters/detect.ts";
import { type EntryExport, serveEntry } from "../core/loops/entry.ts";
import { isTriloopError } from "../core/errors.ts";
import type { ShutdownReport } from "../core/types.ts";
import { runLoops, type Running } from "./run-loops.ts";

function parseArgs(argv: string[]): { entry: string; flags: Record<string, string> } {
  const flags: Record<string, string> = {};
  let entry = "";
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith("--")) {
      const [k, v] = a.includes("=") ? a.slice(2).split("=", 2) : [a.slice(2), argv[++i]];
      flags[k] = v;
    } else if (!entry) entry = a;
  }
  if (!entry) throw new TypeError("run-entry needs an entry module");
  return { entry, flags };
}

const { entry, flags } = parseArgs(process.argv.slice(2));
const runtime = await currentRuntime();
const hostname = flags.hostname ?? "127.0.0.1";
const port = Number(flags.port ?? 3000);
const engine = (flags.engine ?? "auto") as "kernel" | "native" | "auto";
const graceMs = Number(flags.grace ?? 10_000);

/** One loop, in this thread. */
async function runOne(): Promise<Running> {
  const mod = await import(pathToFileURL(resolve(entry)).href);
  const served = await serveEntry(runtime, mod.default as EntryExport, { hostname, port, engine });
  return {
    kind: served.kind,
    port: served.port,
    details: served.engine === undefined ? "" : `, ${served.engine} engine`,
    stats: () => Promise.resolve(served.stats()),
    close: (ms) => served.close(ms),
    force: () => process.exit(1),
  };
}

let running: Running;
try {
  running = flags.loops === undefined ? await runOne() : await runLoops(runtime, resolve(entry), {
    loops: flags.loops,
    host: flags["loop-host"],
    hostname,
    port,
    engine,
  });
} catch (err) {
  if (!isTriloopError(err)) throw err;
  console.error(`triloop: ${entry}: ${err.message}`);
  if (err.cause !== undefined) console.error(err.cause);
  process.exit(err.code === "TRI_ERR_INVALID_ARG" ? 2 : 1);
}
const scheme = running.kind === "http" ? "http" : "tcp";
console.log(
  `listening on ${scheme}://${hostname}:${running.port} (${runtime.name} ${runtime.version}${running.details})`,
);

if (flags["stats-port"] !== undefined) {
  // The counters of every loop as JSON, on a port of their own so no app route is taken.
  const stats = await runtime.serve({
    hostname,
    port: Number(flags["stats-port"]),
    engine: "kernel",
    fetch: async () => Response.json(await running.stats()),
  });
  console.log(`stats on http://${hostname}:${stats.port}/`);
}

let closing: Promise<ShutdownReport> | undefined;
let forced = false;
async function stop(): Promise<void> {
  if (closing !== undefined) {
    forced = true;
    console.error("triloop: second signal: forcing shutdown");
    running.force();
    return;
  }
  closing = running.close(graceMs);
  const r = await closing;
  console.log(`shutdown ${r.outcome}: ${r.completed} completed, ${r.forced} forced, ${r.ms} ms`);
  process.exit(forced ? 1 : 0);
}
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
