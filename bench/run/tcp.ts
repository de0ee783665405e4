/**
 * The TCP part of a session: RESP ops through triloop's `examples/resp-kv.ts`
 * beside the raw RESP servers (servers kept warm, runs interleaved, like
 * HTTP), and memory per idle connection of triloop's echo beside the raw
 * echo servers (a fresh server for every measurement, since RSS once grown
 * is rarely given back, so "before" must be a server that never held load).
 *
 * @module
 */

import { holdIdle } from "../load/idle-hold.ts";
import { runRedisBenchmark } from "../drivers/redis-benchmark.ts";
import { interleave } from "../lib/interleave.ts";
import { selfCpuMicros, treeRssBytes } from "../lib/proc.ts";
import { respBatch, type TcpScenario } from "../scenarios.ts";
import type { ServerSpec } from "../servers/matrix.ts";
import type { Running } from "../servers/spawn.ts";
import {
  builtinRun,
  type Context,
  failedRecord,
  progressText,
  record,
  ServerWindow,
  sleep,
  start,
} from "./context.ts";
import { startAll } from "./http.ts";

/** Commands per pipelined RESP batch. */
export const RESP_PIPELINE = 16;

async function respRun(ctx: Context, server: Running, label: string) {
  if (ctx.cfg.respDriver === "redis-benchmark") {
    const o = {
      bin: ctx.tools.redisBenchmark!,
      port: server.port,
      connections: ctx.cfg.connections,
      pipeline: RESP_PIPELINE,
    };
    ctx.progress.update(progressText(ctx, `${label} · redis-benchmark warm-up`));
    const warm = await runRedisBenchmark({ ...o, requests: 20_000 });
    ctx.progress.update(progressText(ctx, `${label} · redis-benchmark`));
    const win = new ServerWindow(server.pid);
    const reaped0 = selfCpuMicros().reaped;
    const result = await runRedisBenchmark({ ...o, requests: respRequests(ctx, warm.rps) });
    return { result, ...win.close(), clientCpuUs: selfCpuMicros().reaped - reaped0 };
  }
  return builtinRun(ctx, server, {
    protocol: "resp",
    hostname: "127.0.0.1",
    port: server.port,
    connections: ctx.cfg.connections,
    batch: respBatch(RESP_PIPELINE),
    depth: RESP_PIPELINE,
    churn: false,
    timeoutMs: ctx.cfg.timeoutMs,
  }, label);
}

/**
 * Requests per redis-benchmark test, sized from the warm-up's rate so one run
 * lasts about the configured duration (redis-benchmark counts, it does not time).
 */
function respRequests(ctx: Context, rps: number): number {
  const perTest = (rps * ctx.cfg.durationMs) / 1000 / 4;
  return Math.max(20_000, Math.round(perTest / 10_000) * 10_000);
}

/** RESP ops/s, interleaved over rounds, on the given RESP servers. */
export async function runResp(ctx: Context, servers: ServerSpec[]): Promise<void> {
  const running = await startAll(ctx, servers);
  try {
    const keys = servers.filter((s) => running.has(s.key)).map((s) => s.key);
    for (const run of interleave([{ scenario: "resp", servers: keys }], ctx.cfg.rounds)) {
      const label = `r${run.round + 1} resp · ${run.server}`;
      ctx.progress.update(progressText(ctx, label), true);
      try {
        const m = await respRun(ctx, running.get(run.server)!, label);
        ctx.records.push(record("resp", run.server, run.round, ctx.cfg.respDriver, m));
      } catch (err) {
        ctx.records.push(
          failedRecord("resp", run.server, run.round, ctx.cfg.respDriver, (err as Error).message),
        );
        ctx.progress.log(`  ${label}: ${(err as Error).message.split("\n")[0]}`);
      }
      ctx.done++;
    }
  } finally {
    await Promise.all([...running.values()].map((r) => r.stop()));
  }
}

/** RSS of a tree once it stops moving: 3 samples 250 ms apart within 0.5 %, or after `maxMs`. */
export async function settledRss(pid: number, maxMs = 5000): Promise<number> {
  const samples: number[] = [treeRssBytes(pid)];
  const end = performance.now() + maxMs;
  while (performance.now() < end) {
    await sleep(250);
    samples.push(treeRssBytes(pid));
    const last = samples.slice(-3);
    if (last.length === 3 && (Math.max(...last) - Math.min(...last)) / Math.max(...last) < 0.005) break;
  }
  return samples[samples.length - 1];
}

/**
 * Bytes of server memory per idle connection of `scenario`'s kind (TCP echo,
 * WebSocket), interleaved over `idleRounds` rounds.
 */
export async function runIdle(ctx: Context, servers: ServerSpec[], scenario: TcpScenario): Promise<void> {
  const n = ctx.cfg.idleConnections;
  const keys = servers.filter((s) => s.skip === undefined).map((s) => s.key);
  for (const run of interleave([{ scenario: scenario.id, servers: keys }], ctx.cfg.idleRounds)) {
    const spec = servers.find((s) => s.key === run.server)!;
    const label = `r${run.round + 1} ${scenario.id} · ${run.server}`;
    ctx.progress.update(progressText(ctx, `${label} · starting`), true);
    let server: Running | undefined;
    try {
      server = await start(ctx, spec);
      await sleep(500);
      const before = await settledRss(server.pid);
      ctx.progress.update(progressText(ctx, `${label} · opening ${n} connections`), true);
      const client = await holdIdle({
        port: server.port,
        protocol: scenario.protocol ?? "tcp",
        connections: n,
        // Two client processes from two source addresses: room for the
        // connections within each one's open-file limit and port range.
        processes: 2,
        spreadSources: true,
      });
      ctx.progress.update(progressText(ctx, `${label} · ${client.open} open, settling`));
      const after = await settledRss(server.pid);
      await client.stop();
      const rec = record(scenario.id, run.server, run.round, "idle-client", {
        result: {
          rps: NaN,
          responses: client.open,
          non2xx: 0,
          errors: { connect: client.failed, reset: 0, parse: 0, timeout: 0 },
          bytesRead: 0,
          connects: client.open,
          latency: { count: 0, mean: NaN, p50: NaN, p90: NaN, p99: NaN, p999: NaN, max: NaN },
          windowMs: 1,
        },
        cpuUs: NaN,
        peakRss: after,
      });
      rec.idle = {
        connections: n,
        open: client.open,
        failed: client.failed,
        rssBefore: before,
        rssAfter: after,
        bytesPerConn: client.open > 0 ? (after - before) / client.open : NaN,
      };
      ctx.records.push(rec);
    } catch (err) {
      ctx.records.push(
        failedRecord(scenario.id, run.server, run.round, "idle-client", (err as Error).message),
      );
      ctx.progress.log(`  ${label}: ${(err as Error).message.split("\n")[0]}`);
    } finally {
      await server?.stop();
    }
    ctx.done++;
  }
}
