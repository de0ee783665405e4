/**
 * The load generator's own process: runs the load threads (`worker.ts`) on
 * the runtime that makes load most cheaply, and relays their messages to
 * the bench over stdin/stdout, one JSON line each (`{ "w": i, "m": msg }`).
 *
 * Why a process: the generator must not be the bottleneck (it must keep up
 * with wrk), and triloop's client connections cost the least CPU per
 * request on Bun — measured on this 2-core machine against a Bun TCP
 * responder, 64 connections, one thread on one CPU: Bun 70–88k req/s at
 * 11–14 µs of client CPU per request, Deno 62–72k at 14–16 µs, Node 24
 * 53–54k at 18–19 µs, wrk 75–80k. The bench itself stays on Node.
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
