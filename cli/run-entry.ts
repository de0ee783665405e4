/**
 * Runs one entry module on the runtime executing this file: loads the
 * adapter, the entry's default export, and serves it. The launcher
 * (`cli/triloop.mjs`) starts this file under the chosen runtime.
 *
 * Usage: run-entry.ts <entry> [--port N] [--hostname H]
 *
 * @module
 */

import process from "node:process";
import { pathToFileURL } from "node:url";
import { resolve } from "node:path";
import { currentRuntime } from "../adapters/detect.ts";
import type { SocketHandler } from "../core/types.ts";

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
const served = mod.default as SocketHandler | undefined;
const hostname = flags.hostname ?? "127.0.0.1";
const port = Number(flags.port ?? 0);

if (typeof served?.data !== "function") {
  console.error(
    `triloop: ${entry} must export default a connection handler (with 'data') or a fetch handler`,
  );
  process.exit(2);
}

const listener = await runtime.listen({ hostname, port }, served);
console.log(`listening on tcp://${hostname}:${listener.port}`);

let stopping = false;
function stop(): void {
  if (stopping) process.exit(1);
  stopping = true;
  listener.close({ force: true }).then(() => process.exit(0));
}
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
