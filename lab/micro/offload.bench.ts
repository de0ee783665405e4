/**
 * The offload scenario: while clients saturate the heavy route, how
 * long does the cheap route take — with the heavy work in the pool, and with
 * it inline on the loop? One run per runtime, p50/p99 of the cheap route and
 * the inline/pool ratio of the p99s. Target: pool p99 under 10 ms, 20x better
 * than inline.
 *
 * Run: node --import tsx lab/micro/offload.bench.ts [--runtimes node,bun,deno] [--seconds 4] [--ms 50]
 *
 * @module
 */

import http from "node:http";
import process from "node:process";
import { findRuntimes } from "../../cli/runtimes.mjs";
import { startServer } from "../../tests/e2e/_server.ts";

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const wanted = flag("runtimes", "node,node24,bun,deno").split(",");
const seconds = Number(flag("seconds", "4"));
const heavyMs = Number(flag("ms", "50"));
const HEAVY_CLIENTS = 4;

function get(agent: http.Agent, port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: "127.0.0.1", port, path, agent }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", reject);
  });
}

function quantile(sorted: number[], q: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

async function scenario(port: number, heavyPath: string) {
  const until = performance.now() + seconds * 1000;
  const heavyAgent = new http.Agent({ keepAlive: true, maxSockets: HEAVY_CLIENTS });
  const cheapAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  let heavyDone = 0;
  const heavy = Array.from({ length: HEAVY_CLIENTS }, async () => {
    while (performance.now() < until) {
      await get(heavyAgent, port, `${heavyPath}?ms=${heavyMs}`);
      heavyDone++;
    }
  });
  await new Promise((r) => setTimeout(r, 300)); // let the load build
  const latencies: number[] = [];
  while (performance.now() < until) {
    const t0 = performance.now();
    await get(cheapAgent, port, "/cheap");
    latencies.push(performance.now() - t0);
    await new Promise((r) => setTimeout(r, 5));
  }
  await Promise.all(heavy);
  heavyAgent.destroy();
  cheapAgent.destroy();
  latencies.sort((a, b) => a - b);
  return { p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), n: latencies.length, heavyDone };
}

const rows: string[] = [];
for (const rt of findRuntimes().filter((r) => wanted.includes(r.id))) {
  if (!rt.available) {
    rows.push(`| ${rt.id} | skipped: ${rt.reason} | | | | |`);
    continue;
  }
  const server = await startServer(rt.id, "examples/offload.ts", { args: ["--engine", "kernel"] });
  try {
    await get(new http.Agent(), server.port, "/heavy?ms=1"); // the pool's worker is up
    const pool = await scenario(server.port, "/heavy");
    const inline = await scenario(server.port, "/heavy-inline");
    const ratio = inline.p99 / pool.p99;
    rows.push(
      `| ${rt.id} | ${pool.p50.toFixed(1)} / ${pool.p99.toFixed(1)} | ${inline.p50.toFixed(1)} / ${
        inline.p99.toFixed(1)
      } | ${ratio.toFixed(1)}x | ${pool.heavyDone} / ${inline.heavyDone} | ${pool.n} / ${inline.n} |`,
    );
    process.stderr.write(`${rt.id} done\n`);
  } finally {
    await server.stop();
  }
}
console.log(
  `\ncheap-route latency (ms) while ${HEAVY_CLIENTS} clients saturate a ${heavyMs} ms CPU route, ${seconds} s each\n`,
);
console.log(
  "| runtime | pool p50 / p99 | inline p50 / p99 | p99 inline/pool | heavy done pool / inline | cheap samples |",
);
console.log("|---|---:|---:|---:|---:|---:|");
for (const r of rows) console.log(r);
