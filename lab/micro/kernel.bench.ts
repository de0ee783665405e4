/**
 * In-process benchmark of the kernel HTTP engine: the whole per-request path
 * (parse, lazy Request, the app, response resolution, head writer, out
 * buffer, connection write) with the socket replaced by a transport that
 * takes every byte. No syscalls, so it shows the codec's own CPU per
 * request, steady enough on a noisy machine to compare two versions; the
 * network benchmark (`triloop bench`) shows what a client sees.
 *
 *   node --import tsx lab/micro/kernel.bench.ts [--rounds 7] [--ms 300] [--app examples/hello-hono.ts]
 *   bun lab/micro/kernel.bench.ts · deno run -A lab/micro/kernel.bench.ts
 *
 * Cases: one GET per read (a keep-alive client), 16 GETs per read
 * (pipelined), a small POST echoed. Each prints the CPU ns per request of
 * its rounds (process CPU time where the runtime exposes it): the minimum is
 * the least disturbed by the machine, and the one to compare versions by.
 *
 * @module
 */

import process from "node:process";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { ConnContext, Connection } from "../../core/connection.ts";
import { kernelEngine } from "../../core/server/kernel.ts";
import { resolveServeOptions } from "../../core/server/serve.ts";
import { rawZlib, toBuffer } from "../../adapters/_zlib.ts";
import type {
  Adapter,
  FetchHandler,
  Listener,
  ListenOptions,
  SocketHandler,
  Transport,
} from "../../core/types.ts";

const args = process.argv.slice(2);
const opt = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const ROUNDS = Number(opt("rounds", "7"));
const ROUND_MS = Number(opt("ms", "300"));
const APP = opt("app", "examples/hello-hono.ts");
/** Fixed-count mode (for an instruction counter such as callgrind): run `--count` requests of `--case`, untimed. */
const COUNT = Number(opt("count", "0"));
const CASE = opt("case", "get");

/** Takes every byte at once, like a socket whose peer keeps up. */
class SinkTransport implements Transport {
  bytes = 0;
  readonly remoteAddress = "127.0.0.1";
  readonly remotePort = 40000;
  readonly localAddress = "127.0.0.1";
  readonly localPort = 3000;
  readonly buffered = 0;
  write(b: Uint8Array): number {
    this.bytes += b.byteLength;
    return b.byteLength;
  }
  writeTransient(b: Uint8Array): number {
    this.bytes += b.byteLength;
    return b.byteLength;
  }
  shutdown(): void {}
  destroy(): void {}
  pause(): void {}
  resume(): void {}
}

let ctx: ConnContext<unknown> | undefined;
const fakeRuntime = {
  name: "node",
  listen(options: ListenOptions, handler: SocketHandler<unknown>): Promise<Listener> {
    ctx = new ConnContext(handler, options);
    return Promise.resolve({
      port: 3000,
      close: () => Promise.resolve(),
      stats: () => ({ ...ctx!.stats }),
    } as unknown as Listener);
  },
  ws: { zlib: rawZlib, toBuffer },
} as unknown as Adapter;

const entry = await import(pathToFileURL(resolve(APP)).href);
const fetch: FetchHandler = entry.default.fetch ?? entry.default;
await kernelEngine(fakeRuntime, { ...resolveServeOptions({ fetch, port: 0 }), watchdog: false });

const enc = new TextEncoder();
const GET = "GET / HTTP/1.1\r\nHost: 127.0.0.1:3000\r\n\r\n";
const POST =
  "POST /echo HTTP/1.1\r\nHost: 127.0.0.1:3000\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\nHello, World!";

function cpuNow(): number {
  // Process CPU (user + system) in ms where available, else wall time.
  if (typeof process.cpuUsage === "function") {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  }
  return performance.now();
}

async function run(name: string, request: string, perRead: number): Promise<void> {
  const t = new SinkTransport();
  const conn = new Connection(ctx!);
  conn.onOpen(t);
  const batch = enc.encode(request.repeat(perRead));
  const sync = name !== "POST echo"; // the echo answers after reading the body (a promise)
  const rounds: number[] = [];
  for (let r = 0; r < ROUNDS + 1; r++) {
    let n = 0;
    const c0 = cpuNow();
    const w0 = performance.now();
    while (performance.now() - w0 < ROUND_MS) {
      for (let i = 0; i < 64; i++) {
        conn.onData(batch.slice()); // a fresh chunk per read, as a socket gives
        n += perRead;
        if (!sync) await Promise.resolve();
      }
      if (!sync) await new Promise((r) => setTimeout(r, 0));
    }
    const ns = ((cpuNow() - c0) * 1e6) / n;
    if (r > 0) rounds.push(ns); // the first round is warm-up
  }
  rounds.sort((a, b) => a - b);
  const med = rounds[Math.floor(rounds.length / 2)];
  const out = t.bytes;
  console.log(
    `${name.padEnd(18)} min ${rounds[0].toFixed(0).padStart(6)} ns/req, median ${
      med.toFixed(0).padStart(6)
    }, max ${rounds[rounds.length - 1].toFixed(0).padStart(6)}`,
  );
  if (out === 0) throw new Error(`${name}: no response bytes were written`);
  conn.close();
}

if (COUNT > 0) {
  const t = new SinkTransport();
  const conn = new Connection(ctx!);
  conn.onOpen(t);
  const perRead = CASE === "pipelined" ? 16 : 1;
  const batch = enc.encode(GET.repeat(perRead));
  for (let n = 0; n < COUNT; n += perRead) conn.onData(batch.slice());
  if (t.bytes === 0) throw new Error("no response bytes were written");
  process.exit(0);
}

const version = (globalThis as { Bun?: { version: string } }).Bun?.version ??
  (globalThis as { Deno?: { version: { deno: string } } }).Deno?.version.deno ?? process.version;
console.log(`kernel in-process, ${APP}, ${version}: median of ${ROUNDS} rounds × ${ROUND_MS} ms`);
await run("GET, 1 per read", GET, 1);
await run("GET, 16 per read", GET, 16);
await run("POST echo", POST, 1);
process.exit(0);
