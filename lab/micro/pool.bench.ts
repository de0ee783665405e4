/**
 * The offload pool's round-trip overhead per task, per runtime, against
 * calling the same function directly; and, for the stall watchdog's design,
 * what one label store costs on the hot path against one clock read.
 *
 *   node --import tsx lab/micro/pool.bench.ts            # every runtime, one table
 *   <runtime argv> lab/micro/pool.bench.ts --one         # this runtime only (JSON line)
 *   options: --rounds 5 --tasks 2000
 *
 * Per runtime, in one process: a pool of one worker running
 * `tests/fixtures/pool/tasks.ts`. Rows: a trivial task (`add`) one at a
 * time (the full latency of a round trip: post, wake the worker, run,
 * post back, wake the loop, settle), the same with 64 in flight (queueing
 * included), and a 64 KiB and a 4 MiB buffer sent to the worker and back,
 * copied both ways (`echo`) vs moved both ways (`transfer` there,
 * `withTransfer` back: `bounce`). Each figure is the median of the
 * rounds; CPU is the whole process's (both threads) per task, the figure
 * that holds on a loaded machine.
 *
 * @module
 */

import { spawnSync } from "node:child_process";
import process from "node:process";
import { currentRuntime } from "../../adapters/detect.ts";
import type * as Tasks from "../../tests/fixtures/pool/tasks.ts";
import { add } from "../../tests/fixtures/pool/tasks.ts";

const PREFIX = "POOL-BENCH ";
const args = process.argv.slice(2);
const opt = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const ROUNDS = opt("rounds", 7);
const TASKS = opt("tasks", 2000);

/** One runtime's figures (µs per task unless named ns). */
interface Result {
  runtime: string;
  version: string;
  directNs: number;
  seqWallUs: number;
  seqCpuUs: number;
  concWallUs: number;
  concCpuUs: number;
  /** Per buffer size in KiB: µs per task, copied and transferred. */
  buffers: { kib: number; copyUs: number; transferUs: number }[];
  labelStoreNs: number;
  clockReadNs: number;
}

function cpuUs(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Runs `round` ROUNDS times after one warm-up; medians of wall and CPU µs per op. */
async function measure(ops: number, round: () => Promise<void>): Promise<{ wall: number; cpu: number }> {
  await round();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const c0 = cpuUs();
    const t0 = performance.now();
    await round();
    wall.push(((performance.now() - t0) * 1000) / ops);
    cpu.push((cpuUs() - c0) / ops);
  }
  return { wall: median(wall), cpu: median(cpu) };
}

/** ns per call of a synchronous loop body, median of rounds, less the same loop with an empty body. */
function nsPer(n: number, body: (i: number) => number): number {
  return Math.max(0, rawNsPer(n, body) - rawNsPer(n, empty));
}

function empty(i: number): number {
  return i & 1;
}

function rawNsPer(n: number, body: (i: number) => number): number {
  const samples: number[] = [];
  let sink = 0;
  for (let r = 0; r <= ROUNDS; r++) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) sink += body(i);
    if (r > 0) samples.push(((performance.now() - t0) * 1e6) / n);
  }
  if (sink === 0.5) console.log(sink); // keep the work observable
  return median(samples);
}

async function one(): Promise<Result> {
  const rt = await currentRuntime();
  const pool = rt.createPool<typeof Tasks>({
    tasks: new URL("../../tests/fixtures/pool/tasks.ts", import.meta.url),
    size: 1,
    maxQueue: 4096,
  });
  const input = { a: 1, b: 2 };
  await pool.run("add", input);

  const directNs = nsPer(5_000_000, (i) => add({ a: i, b: 1 }));
  const seq = await measure(TASKS, async () => {
    for (let i = 0; i < TASKS; i++) await pool.run("add", input);
  });
  const conc = await measure(TASKS, async () => {
    let next = 0;
    const lane = async () => {
      while (next++ < TASKS) await pool.run("add", input);
    };
    await Promise.all(Array.from({ length: 64 }, lane));
  });
  const buffers: Result["buffers"] = [];
  for (const kib of [64, 4096]) {
    const ops = kib > 1024 ? 50 : 400;
    const copy = await measure(ops, async () => {
      const buf = new ArrayBuffer(kib * 1024);
      for (let i = 0; i < ops; i++) await pool.run("echo", buf);
    });
    const transfer = await measure(ops, async () => {
      let buf = new ArrayBuffer(kib * 1024);
      for (let i = 0; i < ops; i++) buf = await pool.run("bounce", buf, { transfer: [buf] });
    });
    buffers.push({ kib, copyUs: copy.wall, transferUs: transfer.wall });
  }
  await pool.close();

  // The watchdog's hot-path choice: a label store vs a clock read per handler.
  const holder = { current: undefined as string | undefined };
  const labels = ["GET /a", "GET /b"];
  const labelStoreNs = nsPer(20_000_000, (i) => {
    holder.current = labels[i & 1];
    return 1;
  });
  const clockReadNs = nsPer(5_000_000, () => performance.now());

  return {
    runtime: rt.name,
    version: rt.version,
    directNs,
    seqWallUs: seq.wall,
    seqCpuUs: seq.cpu,
    concWallUs: conc.wall,
    concCpuUs: conc.cpu,
    buffers,
    labelStoreNs,
    clockReadNs,
  };
}

/** A runtime as `cli/runtimes.mjs` finds it (typed here: Deno reads the .mjs, not its .d.mts). */
interface FoundRuntime {
  id: string;
  available: boolean;
  reason?: string;
  argv(script: string, args?: string[]): string[];
}

function table(results: (Result & { id: string })[]): string {
  const f = (n: number, d = 1) => n.toFixed(d);
  const lines = [
    "| runtime | direct call | pool, 1 in flight: wall / CPU | overhead per task | 64 in flight: wall / CPU | 64 KiB copied / moved | 4 MiB copied / moved |",
    "|---|---:|---:|---:|---:|---:|---:|",
  ];
  for (const r of results) {
    lines.push(
      `| ${r.id} ${r.version} | ${f(r.directNs, 1)} ns | ${f(r.seqWallUs)} / ${f(r.seqCpuUs)} µs | ${
        f(r.seqWallUs - r.directNs / 1000)
      } µs | ${f(r.concWallUs)} / ${f(r.concCpuUs)} µs | ${
        r.buffers.map((b) => `${f(b.copyUs, 0)} / ${f(b.transferUs, 0)} µs`).join(" | ")
      } |`,
    );
  }
  lines.push("", "| runtime | watchdog label store | performance.now() |", "|---|---:|---:|");
  for (const r of results) lines.push(`| ${r.id} | ${f(r.labelStoreNs, 2)} ns | ${f(r.clockReadNs)} ns |`);
  return lines.join("\n");
}

async function all(): Promise<void> {
  const { findRuntimes, ROOT } = await import("../../cli/runtimes.mjs");
  const results: (Result & { id: string })[] = [];
  for (const rt of findRuntimes() as unknown as FoundRuntime[]) {
    if (!rt.available) {
      console.error(`skipped ${rt.id}: ${rt.reason}`);
      continue;
    }
    console.error(`measuring ${rt.id} …`);
    const [bin, ...argv] = rt.argv(`${ROOT}/lab/micro/pool.bench.ts`, ["--one", ...args]);
    const out = spawnSync(bin, argv, { cwd: ROOT, encoding: "utf8", timeout: 300_000 });
    const line = out.stdout.split("\n").find((l) => l.startsWith(PREFIX));
    if (line === undefined) {
      console.error(`${rt.id} failed:\n${out.stderr.slice(-2000)}`);
      continue;
    }
    results.push({ id: rt.id, ...JSON.parse(line.slice(PREFIX.length)) });
  }
  console.log(table(results));
}

if (args.includes("--one")) {
  console.log(PREFIX + JSON.stringify(await one()));
  process.exit(0);
} else {
  await all();
}
