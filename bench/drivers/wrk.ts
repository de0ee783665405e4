/**
 * wrk (https://github.com/wg/wrk) as an alternative load driver, and the
 * yardstick the built-in generator is held to. The scenario becomes a Lua
 * script (pipelined batches are built the way wrk's own pipeline example
 * does: `wrk.format` requests concatenated in `init`), and a `done` hook
 * prints the figures as one JSON line, so nothing depends on wrk's layout.
 *
 * @module
 */

import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LoadResult } from "../load/generator.ts";
import type { HttpScenario } from "../scenarios.ts";

const PREFIX = "TRILOOP-WRK ";

/** Why wrk cannot run `s`, or undefined when it can. */
export function wrkCannot(s: HttpScenario): string | undefined {
  if (s.readBytesPerSec !== undefined) return "wrk cannot read slowly";
  return undefined;
}

/** The Lua script that makes wrk send `s` and report as JSON. */
export function wrkScript(s: HttpScenario): string {
  const lines: string[] = [];
  lines.push(`wrk.method = "${s.method}"`);
  if (s.bodyBytes > 0) {
    lines.push(`wrk.body = string.rep("b", ${s.bodyBytes})`);
    lines.push(`wrk.headers["Content-Type"] = "application/octet-stream"`);
  }
  if (s.churn) lines.push(`wrk.headers["Connection"] = "close"`);
  if (s.depth > 1) {
    lines.push(
      `local batch`,
      `init = function(args)`,
      `  local r = {}`,
      `  for i = 1, ${s.depth} do r[i] = wrk.format(nil, "${s.path}") end`,
      `  batch = table.concat(r)`,
      `end`,
      `request = function() return batch end`,
    );
  } else {
    lines.push(`wrk.path = "${s.path}"`);
  }
  lines.push(
    `done = function(summary, latency, requests)`,
    `  local e = summary.errors`,
    `  io.write(string.format('${PREFIX}{"requests":%d,"duration_us":%d,"bytes":%d,"connect":%d,` +
      `"read":%d,"write":%d,"timeout":%d,"status":%d,"mean":%f,"p50":%d,"p90":%d,"p99":%d,"p999":%d,"max":%d}\\n',`,
    `    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.timeout, e.status,`,
    `    latency.mean, latency:percentile(50), latency:percentile(90), latency:percentile(99),`,
    `    latency:percentile(99.9), latency.max))`,
    `end`,
  );
  return lines.join("\n") + "\n";
}

/**
 * wrk's percentile of a short pipelined run is sometimes 0 while its mean is
 * not (its histogram is of batches); a 0 there is no figure, so it is NaN.
 */
function sane(percentile: number, mean: number): number {
  return percentile === 0 && mean > 0 ? NaN : percentile;
}

/** Options of {@link runWrk}. */
export interface WrkOptions {
  bin: string;
  url: string;
  scenario: HttpScenario;
  connections: number;
  threads: number;
  durationMs: number;
  timeoutMs: number;
}

let scriptDir: string | undefined;

/**
 * Runs wrk once and returns its figures in the generator's shape. wrk counts
 * a pipelined batch as one latency sample; `non2xx` is wrk's status error
 * count (responses ≥ 400).
 */
export function runWrk(o: WrkOptions): Promise<LoadResult> {
  scriptDir ??= mkdtempSync(join(tmpdir(), "triloop-wrk-"));
  const script = join(scriptDir, `${o.scenario.id}.lua`);
  writeFileSync(script, wrkScript(o.scenario));
  const args = [
    "-t",
    String(o.threads),
    "-c",
    String(Math.max(o.connections, o.threads)),
    "-d",
    `${Math.max(1, Math.round(o.durationMs / 1000))}s`,
    "--timeout",
    `${Math.ceil(o.timeoutMs / 1000)}s`,
    "-s",
    script,
    o.url,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(o.bin, args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (t: string) => (out += t));
    child.stderr.setEncoding("utf8").on("data", (t: string) => (out += t));
    child.on("error", reject);
    child.on("close", () => {
      const line = out.split("\n").find((l) => l.startsWith(PREFIX));
      if (line === undefined) return reject(new Error(`wrk printed no result:\n${out.slice(-2000)}`));
      const r = JSON.parse(line.slice(PREFIX.length));
      const windowMs = r.duration_us / 1000;
      resolve({
        rps: r.requests / (windowMs / 1000),
        responses: r.requests,
        non2xx: r.status,
        errors: { connect: r.connect, reset: r.read + r.write, parse: 0, timeout: r.timeout },
        bytesRead: r.bytes,
        connects: 0,
        latency: {
          count: r.requests,
          mean: r.mean,
          p50: sane(r.p50, r.mean),
          p90: sane(r.p90, r.mean),
          p99: sane(r.p99, r.mean),
          p999: sane(r.p999, r.mean),
          max: r.max,
        },
        windowMs,
      });
    });
  });
}
