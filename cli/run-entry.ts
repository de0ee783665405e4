/**
 * Runs one entry module on the runtime executing this file: loads the
 * adapter, the entry's default export, and serves it — in this thread, or
 * with `--loops` under a supervisor (cli/run-loops.ts). The launcher
 * (`cli/triloop.mjs`) starts this file under the chosen runtime, with the
 * flags it checked; they are parsed again here by the same definition
 * (cli/args.mjs), so this file run by hand (`deno task serve`) is as strict.
 *
 * Usage: run-entry.ts <entry> [serve flags: triloop serve --help]
 *
 * SIGTERM or SIGINT closes gracefully (at most `--grace` ms, default 10 000)
 * and prints how it ended; a second signal forces. Started by the launcher,
 * it also stops when the launcher's pipe on its stdin closes: the launcher
 * died, however it died. Exit codes: 0 drained, 3 forced, 2 a usage error or
 * an entry that cannot be served, 1 a failure.
 *
 * @module
 */

import process from "node:process";
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { resolve, sep } from "node:path";
import { addressFallback, DEFAULTS, displayUrl, parseServeArgs, SERVE_HINT, UsageError } from "./args.mjs";
import { currentRuntime } from "../adapters/detect.ts";
import { type DeployOptions, type EntryExport, serveEntry } from "../core/loops/entry.ts";
import { describeLoadFailure, importEntry } from "../core/loops/load-error.ts";
import { isTriloopError } from "../core/errors.ts";
import type { ServerTls, ShutdownReport } from "../core/types.ts";
import { runLoops, type Running } from "./run-loops.ts";

/** Exit codes (the README lists them for process supervisors). */
const EXIT = { drained: 0, failure: 1, usage: 2, forced: 3 } as const;

let args: ReturnType<typeof parseServeArgs>;
let fallback: { hostname: string; port: number };
try {
  args = parseServeArgs(process.argv.slice(2));
  fallback = addressFallback(args, process.env);
} catch (err) {
  if (!(err instanceof UsageError)) throw err;
  fatal(EXIT.usage, err.message, err.hint);
}
if (args.help) fatal(EXIT.usage, "run-entry.ts takes no --help; see triloop serve --help", SERVE_HINT);

let running: Running | undefined;
let closing: Promise<ShutdownReport> | undefined;
let forced = false;
// Before anything is served: a signal that came between the "listening" line
// and a later install would end the process by the default action.
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
watchLauncher();

/** The --tls-* files as read now (again on SIGHUP); undefined without --tls-cert. */
function readTls(): ServerTls | undefined {
  if (args.tlsCert === undefined || args.tlsKey === undefined) return undefined;
  return {
    cert: readFileSync(args.tlsCert, "utf8"),
    key: readFileSync(args.tlsKey, "utf8"),
    ca: args.tlsCa === undefined ? undefined : readFileSync(args.tlsCa, "utf8"),
    passphrase: args.tlsPassphrase,
  };
}
const tls = readTls();
// SIGHUP reloads the certificates (TL6); its default action would end the server.
if (tls !== undefined) process.on("SIGHUP", reloadTls);

const runtime = await currentRuntime();
const entry = resolve(args.entry);
const engine = args.engine ?? "auto";
const graceMs = args.grace ?? DEFAULTS.grace;
const drainDelayMs = args.drainDelay ?? 0;
const deploy: DeployOptions = {
  proxyProtocol: args.proxyProtocol,
  trustedProxies: args.trustedProxies,
  trustProxy: args.trustProxy,
  health: args.healthPath,
  keepAliveTimeoutMs: args.keepAliveTimeout,
};

/** One loop, in this thread. */
async function runOne(): Promise<Running> {
  const mod = await importEntry(pathToFileURL(entry).href);
  const served = await serveEntry(runtime, mod.default as EntryExport, {
    hostname: args.hostname,
    port: args.port,
    fallback,
    engine,
    tls,
    deploy,
  });
  return {
    kind: served.kind,
    secure: served.secure === true,
    hostname: served.hostname,
    port: served.port,
    details: served.engine === undefined ? "" : `, ${served.engine} engine`,
    stats: () => Promise.resolve(served.stats()),
    close: (ms, delay) => served.close(ms, delay),
    force: () => process.exit(EXIT.forced),
    reloadTls: (t) => served.reloadTls(t),
  };
}

try {
  running = args.loops === undefined ? await runOne() : await runLoops(runtime, entry, {
    loops: args.loops,
    host: args.loopHost,
    hostname: args.hostname,
    port: args.port,
    fallback,
    engine,
    tls,
    deploy,
  });
} catch (err) {
  startFailed(err);
}
const scheme = running.kind === "http"
  ? (running.secure ? "https" : "http")
  : (running.secure ? "tls" : "tcp");
console.log(
  `listening on ${
    displayUrl(scheme, running.hostname, running.port)
  } (${runtime.name} ${runtime.version}${running.details})`,
);

if (args.statsPort !== undefined) {
  // The counters of every loop as JSON, on a port of their own so no app route is taken.
  const served = running;
  const stats = await runtime.serve({
    hostname: served.hostname,
    port: args.statsPort,
    engine: "kernel",
    fetch: async () => Response.json(await served.stats()),
  });
  console.log(`stats on ${displayUrl("http", served.hostname, stats.port)}/`);
}

/** SIGHUP: serve the --tls-* files as they are now; a file that does not load keeps the old certificate. */
async function reloadTls(): Promise<void> {
  if (running === undefined || closing !== undefined) return;
  try {
    await running.reloadTls(readTls()!);
    console.log("tls reloaded");
  } catch (err) {
    console.error(`triloop: TLS reload failed, the old certificate stays: ${(err as Error)?.message ?? err}`);
  }
}

async function stop(): Promise<void> {
  if (running === undefined) process.exit(EXIT.drained); // still starting: nothing served, nothing to drain
  if (closing !== undefined) {
    forced = true;
    console.error("triloop: second signal: forcing shutdown");
    running.force();
    return;
  }
  closing = running.close(graceMs, drainDelayMs);
  const r = await closing;
  const ws = r.websockets === undefined
    ? ""
    : `; websockets: ${r.websockets.closed} closed, ${r.websockets.forced} ended`;
  console.log(`shutdown ${r.outcome}: ${r.completed} completed, ${r.forced} forced, ${r.ms} ms${ws}`);
  process.exit(forced || r.outcome === "forced" ? EXIT.forced : EXIT.drained);
}

/**
 * Started by the launcher, stdin is a pipe from it that nobody writes: its
 * end means the launcher is gone (killed with SIGKILL, crashed), and a
 * server in a process group of its own would otherwise run on, holding the
 * port. Drain as on SIGTERM. Run by hand, stdin is the user's: not watched.
 */
function watchLauncher(): void {
  if (process.env.TRILOOP_LIFELINE !== "stdin") return;
  delete process.env.TRILOOP_LIFELINE; // not for the app's own children
  const gone = () => {
    console.error("triloop: the launcher is gone; stopping");
    void stop();
  };
  process.stdin.once("end", gone);
  process.stdin.once("error", gone);
  process.stdin.resume();
}

/** Why the server did not start, in one line; exits 2 for an entry that cannot be served, else 1. */
function startFailed(err: unknown): never {
  const cause = isTriloopError(err, "TRI_ERR_LOOP_START") ? err.cause : undefined;
  const entryError = isTriloopError(err, "TRI_ERR_ENTRY") ||
    (cause as { code?: unknown } | undefined)?.code === "TRI_ERR_ENTRY";
  if (entryError) {
    const message = isTriloopError(err, "TRI_ERR_ENTRY") ? err.message : String((cause as Error).message);
    fatal(EXIT.usage, placed(message));
  }
  if (isTriloopError(err)) {
    fatal(err.code === "TRI_ERR_INVALID_ARG" ? EXIT.usage : EXIT.failure, placed(err.message));
  }
  // The entry's own code threw while loading: the app's error, with where.
  fatal(EXIT.failure, placed(describeLoadFailure(err).text));
}

/** `message` with the entry's name in front unless it starts with a place; paths under the cwd shortened. */
function placed(message: string): string {
  const cwd = process.cwd() + sep;
  const short = (text: string) => text.replaceAll(cwd, "");
  return message.startsWith("/") ? short(message) : `${short(entry)}: ${short(message)}`;
}

function fatal(code: number, message: string, hint?: string): never {
  console.error(`triloop: ${message}${hint === undefined ? "" : `\n${hint}`}`);
  process.exit(code);
}
