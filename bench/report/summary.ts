/**
 * From runs to rows: each (scenario, server) pair's runs reduced to medians
 * with their spread, and ratios against the baseline of the same runtime.
 *
 * @module
 */

import type { LatencySummary } from "../lib/latency.ts";
import { type Spread, spread } from "../lib/stats.ts";
import type { LoadErrors } from "../load/job.ts";
import type { ScenarioId } from "../scenarios.ts";
import type { ServerSpec } from "../servers/matrix.ts";

/** One measured run. */
export interface RunRecord {
  scenario: ScenarioId;
  server: string;
  round: number;
  driver: string;
  ok: boolean;
  error?: string;
  rps: number;
  responses: number;
  non2xx: number;
  errors: LoadErrors;
  errorTotal: number;
  bytesRead: number;
  bytesPerSec: number;
  latency: LatencySummary;
  windowMs: number;
  /** Server CPU time over the window, µs (whole process tree). */
  cpuUs: number;
  cpuUsPerReq: number;
  /** Highest tree RSS sampled during the run. */
  peakRss: number;
  /** Idle-memory runs only. */
  idle?: IdleFigures;
}

/** What an idle-memory run measured. */
export interface IdleFigures {
  connections: number;
  open: number;
  failed: number;
  rssBefore: number;
  rssAfter: number;
  bytesPerConn: number;
}

/** What the check found. */
export interface WrkCheck {
  server: string;
  scenario: string;
  connections: number;
  threads: number;
  builtin: Spread;
  wrk: Spread;
  /** Server CPU µs per request under each driver. */
  builtinCpu: Spread;
  wrkCpu: Spread;
  /**
   * The driver's own CPU µs per request (the generator's process, all
   * threads; wrk's process). Throughput on a busy machine is noisy; this is
   * what says how much load each can make per core.
   */
  builtinClientCpu: Spread;
  wrkClientCpu: Spread;
  /** median(builtin req/s) / median(wrk req/s). */
  ratio: number;
}

/** One row of the report. */
export interface SummaryRow {
  scenario: ScenarioId;
  server: Pick<ServerSpec, "key" | "runtime" | "name" | "family" | "baseline" | "loops">;
  /** Why the row has no figures. */
  skipped?: string;
  runs: number;
  failedRuns: number;
  rps: Spread;
  cpuUsPerReq: Spread;
  peakRss: Spread;
  bytesPerSec: Spread;
  bytesPerConn?: Spread;
  /** Medians over runs of each run's percentile, µs; `max` is the worst run's. */
  p50: number;
  p99: number;
  max: number;
  errors: number;
  non2xx: number;
  /**
   * Against the runtime's baseline in this scenario: ratios of medians, and
   * idle bytes per connection above the baseline's.
   */
  vs?: { baseline: string; rps: number; cpu: number; bytesPerConnAbove?: number };
}

/** Reduces `records` to one row per (scenario, server), in `servers` order. */
export function summarize(
  records: readonly RunRecord[],
  servers: readonly ServerSpec[],
  scenarios: readonly ScenarioId[],
  skips: ReadonlyMap<string, string> = new Map(),
): SummaryRow[] {
  const rows: SummaryRow[] = [];
  for (const scenario of scenarios) {
    for (const s of servers) {
      const mine = records.filter((r) => r.scenario === scenario && r.server === s.key);
      if (mine.length === 0 && !skips.has(`${scenario} ${s.key}`) && s.skip === undefined) continue;
      const ok = mine.filter((r) => r.ok);
      const failed = mine.filter((r) => !r.ok);
      const skipped = s.skip ?? skips.get(`${scenario} ${s.key}`) ??
        (ok.length === 0 && failed.length > 0 ? `failed: ${failed[0].error}` : undefined);
      rows.push({
        scenario,
        server: {
          key: s.key,
          runtime: s.runtime,
          name: s.name,
          family: s.family,
          baseline: s.baseline,
          loops: s.loops,
        },
        skipped,
        runs: ok.length,
        failedRuns: failed.length,
        rps: spread(ok.map((r) => r.rps)),
        cpuUsPerReq: spread(ok.map((r) => r.cpuUsPerReq)),
        peakRss: spread(ok.map((r) => r.peakRss)),
        bytesPerSec: spread(ok.map((r) => r.bytesPerSec)),
        bytesPerConn: ok.some((r) => r.idle) ? spread(ok.map((r) => r.idle!.bytesPerConn)) : undefined,
        p50: spread(ok.map((r) => r.latency.p50)).median,
        p99: spread(ok.map((r) => r.latency.p99)).median,
        max: spread(ok.map((r) => r.latency.max)).max,
        errors: ok.reduce((n, r) => n + r.errorTotal, 0),
        non2xx: ok.reduce((n, r) => n + r.non2xx, 0),
      });
    }
  }
  for (const row of rows) {
    const base = rows.find((b) =>
      b.scenario === row.scenario && b.server.runtime === row.server.runtime && b.server.baseline &&
      b.runs > 0
    );
    if (base === undefined || row.runs === 0 || base === row) continue;
    row.vs = {
      baseline: base.server.name,
      rps: row.rps.median / base.rps.median,
      cpu: row.cpuUsPerReq.median / base.cpuUsPerReq.median,
      bytesPerConnAbove: row.bytesPerConn && base.bytesPerConn
        ? row.bytesPerConn.median - base.bytesPerConn.median
        : undefined,
    };
  }
  return rows;
}
