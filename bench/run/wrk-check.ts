/**
 * The generator-vs-wrk check: against the fastest server of the session, the
 * built-in generator and wrk take turns (builtin, wrk, builtin, wrk, …) with
 * the same connections, threads, duration and CPU, and the ratio of their
 * median throughputs is the figure `generator/wrk`. Near 1 means the
 * generator is not the bottleneck (or both are, equally).
 *
 * @module
 */

import { median, spread } from "../lib/stats.ts";
import type { WrkCheck } from "../report/summary.ts";
import type { HttpScenario } from "../scenarios.ts";
import type { Running } from "../servers/spawn.ts";
import { type Context, fmtRate, progressText } from "./context.ts";
import { httpRun } from "./http-run.ts";

/** The key of the server with the highest median req/s in `scenario`. */
export function fastestServer(ctx: Context, scenario: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestRps = 0;
  for (const key of candidates) {
    const rps = median(
      ctx.records.filter((r) => r.ok && r.scenario === scenario && r.server === key).map((r) => r.rps),
    );
    if (rps > bestRps) {
      bestRps = rps;
      best = key;
    }
  }
  return best;
}

/** Runs the check on `server`; `turns` runs per driver. */
export async function wrkCheck(
  ctx: Context,
  key: string,
  server: Running,
  s: HttpScenario,
  turns: number,
): Promise<WrkCheck> {
  const rps: Record<"builtin" | "wrk", number[]> = { builtin: [], wrk: [] };
  const cpu: Record<"builtin" | "wrk", number[]> = { builtin: [], wrk: [] };
  const client: Record<"builtin" | "wrk", number[]> = { builtin: [], wrk: [] };
  for (let i = 0; i < turns; i++) {
    for (const driver of ["builtin", "wrk"] as const) {
      const label = `generator/wrk check ${i + 1}/${turns} · ${driver} · ${key}`;
      ctx.progress.update(progressText(ctx, label), true);
      const m = await httpRun(ctx, server, s, label, driver);
      rps[driver].push(m.result.rps);
      cpu[driver].push(m.cpuUs / m.result.responses);
      client[driver].push(m.clientCpuUs / m.result.responses);
      ctx.done++;
      ctx.progress.update(progressText(ctx, `${label} · ${fmtRate(m.result.rps)}/s`), true);
    }
  }
  const builtin = spread(rps.builtin);
  const wrk = spread(rps.wrk);
  return {
    server: key,
    scenario: s.id,
    connections: s.connections ?? ctx.cfg.connections,
    threads: ctx.gen.threads,
    builtin,
    wrk,
    builtinCpu: spread(cpu.builtin),
    wrkCpu: spread(cpu.wrk),
    builtinClientCpu: spread(client.builtin),
    wrkClientCpu: spread(client.wrk),
    ratio: builtin.median / wrk.median,
  };
}
