/**
 * The load generator's own process: runs the load threads (`worker.ts`) on
 * the runtime that makes load most cheaply, and relays their messages to
 * the bench over stdin/stdout, one JSON line each (`{ "w": i, "m": msg }`).
 *
 * Why a process: the generator must not be the bottleneck (it must keep up
 * with wrk), and triloop's client connections cost the least CPU per
 * request on Bun, about what wrk costs (figures in bench/README.md). The
 * bench itself stays on Node.
 *
 *   bun bench/load/host.ts <threads>
 *
 * @module
 */

import process from "node:process";
import { Worker } from "node:worker_threads";
import { decodeMessage, encodeMessage } from "./wire.ts";

const threads = Number(process.argv[2] ?? "1");
const workers = Array.from({ length: threads }, (_, i) => {
  const w = new Worker(new URL("./worker.ts", import.meta.url));
  w.on("message", (m: unknown) => out(i, m));
  w.on("error", (err: Error) => out(i, { type: "failed", message: String(err?.stack ?? err) }));
  return w;
});

function out(w: number, m: unknown): void {
  process.stdout.write(encodeMessage(w, m) + "\n");
}

let carry = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (text: string) => {
  const lines = (carry + text).split("\n");
  carry = lines.pop()!;
  for (const line of lines) {
    if (line === "") continue;
    const { w, m } = decodeMessage(line);
    workers[w]?.postMessage(m);
  }
});
// The bench went away (or closed us): end the threads and this process.
process.stdin.on("end", () => {
  for (const w of workers) void w.terminate();
  process.exit(0);
});
