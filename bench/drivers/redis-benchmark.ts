/**
 * redis-benchmark (https://redis.io/docs/latest/operate/oss_and_stack/management/optimization/benchmarks/)
 * as the RESP load driver: pipelined PING (multibulk), SET, GET and INCR,
 * read back from its `--csv` output.
 *
 * @module
 */

import { spawn } from "node:child_process";
import type { LoadResult } from "../load/generator.ts";

/** The tests run, in redis-benchmark's names (`ping_mbulk`: the raw servers speak multibulk only). */
export const RESP_TESTS = ["ping_mbulk", "set", "get", "incr"];

/** Options of {@link runRedisBenchmark}. */
export interface RedisBenchmarkOptions {
  bin: string;
  port: number;
  connections: number;
  /** Requests per test. */
  requests: number;
  pipeline: number;
  /** Kill it after this long. Default 120 s. */
  timeoutMs?: number;
}

/** One CSV row: test name, ops/s and latencies in ms. */
export interface RedisBenchRow {
  test: string;
  rps: number;
  avgMs: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** Parses redis-benchmark `--csv` output (header row first, all fields quoted). */
export function parseRedisCsv(text: string): RedisBenchRow[] {
  const rows = text.split("\n").map((l) => l.trim()).filter((l) => l.startsWith('"'));
  if (rows.length < 2) return [];
  const cells = (l: string) => l.slice(1, -1).split('","');
  const head = cells(rows[0]);
  const col = (name: string) => head.indexOf(name);
  return rows.slice(1).map((l) => {
    const c = cells(l);
    const num = (name: string) => (col(name) >= 0 ? Number(c[col(name)]) : NaN);
    return {
      test: c[0],
      rps: num("rps"),
      avgMs: num("avg_latency_ms"),
      p50Ms: num("p50_latency_ms"),
      p99Ms: num("p99_latency_ms"),
      maxMs: num("max_latency_ms"),
    };
  });
}

/**
 * Runs the tests once. Ops/s over all of them is total ops divided by the
 * sum of each test's time (`requests / rps`); latencies are the median of
 * the tests' figures (p50) and their worst (p99, max).
 */
export function runRedisBenchmark(o: RedisBenchmarkOptions): Promise<LoadResult & { rows: RedisBenchRow[] }> {
  const args = [
    "-h",
    "127.0.0.1",
    "-p",
    String(o.port),
    "-c",
    String(o.connections),
    "-n",
    String(o.requests),
    "-P",
    String(o.pipeline),
    "-t",
    RESP_TESTS.join(","),
    "--csv",
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(o.bin, args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    // redis-benchmark retries a refused connection forever: bound it.
    const timer = setTimeout(() => {
      out += `\n(killed after ${o.timeoutMs ?? 120_000} ms)`;
      child.kill("SIGKILL");
    }, o.timeoutMs ?? 120_000);
    child.stdout.setEncoding("utf8").on("data", (t: string) => (out += t));
    child.stderr.setEncoding("utf8").on("data", (t: string) => (out += t));
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      const rows = parseRedisCsv(out);
      if (code !== 0 || rows.length !== RESP_TESTS.length || rows.some((r) => !(r.rps > 0))) {
        return reject(new Error(`redis-benchmark failed (exit ${code}):\n${out.slice(-1500)}`));
      }
      const seconds = rows.reduce((s, r) => s + o.requests / r.rps, 0);
      const responses = o.requests * rows.length;
      const p50s = rows.map((r) => r.p50Ms).sort((a, b) => a - b);
      resolve({
        rps: responses / seconds,
        responses,
        non2xx: 0,
        errors: { connect: 0, reset: 0, parse: 0, timeout: 0 },
        bytesRead: 0,
        connects: 0,
        latency: {
          count: responses,
          mean: (rows.reduce((s, r) => s + r.avgMs, 0) / rows.length) * 1000,
          p50: p50s[Math.floor(p50s.length / 2)] * 1000,
          p90: NaN,
          p99: Math.max(...rows.map((r) => r.p99Ms)) * 1000,
          p999: NaN,
          max: Math.max(...rows.map((r) => r.maxMs)) * 1000,
        },
        windowMs: seconds * 1000,
        rows,
      });
    });
  });
}
