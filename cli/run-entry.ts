/**
 * Runs one entry module on the runtime executing this file: loads the
 * adapter, the entry's default export, and serves it. The launcher
 * (`cli/triloop.mjs`) starts this file under the chosen runtime.
 *
 * Usage: run-entry.ts <entry> [--port N] [--hostname H] [--engine kernel|native|auto]
 *
 * @module
 */

import process from "node:process";
import { pathToFileURL } from "node:url";
import { resolve } from "node:path";
import { currentRuntime } from "../adapters/detect.ts";
import type { FetchHandler, Listener, Server, SocketHandler } from "../core/types.ts";

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
const mod = await import(pathToFileURL(resolve(entry)).href);
const served = mod.default as Partial<SocketHandler & { fetch: FetchHandler }> | undefined;
const hostname = flags.hostname ?? "127.0.0.1";
const port = Number(flags.port ?? 3000);

let server: Server | undefined;
let listener: Listener | undefined;
if (typeof served?.fetch === "function") {
  const fetch = served.fetch.bind(served);
  server = await runtime.serve({
    fetch,
    hostname,
    port,
    engine: (flags.engine ?? "auto") as "kernel" | "native" | "auto",
  });
  console.log(
    `listening on http://${hostname}:${server.port} (${runtime.name} ${runtime.version}, ${server.engine} engine)`,
  );
} else if (typeof served?.data === "function") {
  listener = await runtime.listen({ hostname, port }, served as SocketHandler);
  console.log(`listening on tcp://${hostname}:${listener.port} (${runtime.name} ${runtime.version})`);
} else {
  console.error(`triloop: ${entry} must export default a connection handler (with 'data') or { fetch }`);
  process.exit(2);
}

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) process.exit(1); // a second signal forces
  stopping = true;
  if (server !== undefined) {
    const report = await server.close({ graceMs: Number(flags.grace ?? 10_000) });
    console.log(
      `shutdown ${report.outcome}: ${report.completed} completed, ${report.forced} forced, ${report.ms} ms`,
    );
  }
  if (listener !== undefined) await listener.close({ force: true });
  process.exit(0);
}
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
