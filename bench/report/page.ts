/**
 * A bench session's result as one plain object — what `--json` writes — and
 * the two views made from it: the Markdown page (terminal and `--md`) and the
 * chart (`--svg`). Because both are made from the JSON shape, a saved result
 * can be rendered again (`triloop bench --from result.json --svg out.svg`).
 *
 * @module
 */

import type { Machine } from "../lib/machine.ts";
import { type ScenarioId, SCENARIOS } from "../scenarios.ts";
import type { RunRecord, SummaryRow, WrkCheck } from "./summary.ts";
import { renderSvg } from "./svg.ts";
import { markdownReport } from "./table.ts";
import { checkTargets, type TargetCheck } from "./targets.ts";

/** Everything a session produced. */
export interface BenchResult {
  machine: Machine;
  config: {
    command: string;
    scenarios: ScenarioId[];
    rounds: number;
    warmupMs: number;
    durationMs: number;
    connections: number;
    idleConnections: number;
    /** The entry, relative to the package root. */
    entry: string;
    entryNote?: string;
    driver: string;
    respDriver: string;
  };
  /** runtime id → `node 20.20.2`, and → `node 20.20` (under the chart's bars). */
  labels: Record<string, string>;
  shortLabels: Record<string, string>;
  wrkCheck?: WrkCheck;
  targets: TargetCheck[];
  rows: SummaryRow[];
  runs: RunRecord[];
  durationMinutes: number;
}

/** The Markdown page: how it was measured, one table per scenario, the generator check, the targets. */
export function markdownPage(r: BenchResult): string {
  const { machine: m, config: c } = r;
  const out: string[] = [];
  out.push(`## triloop bench`, "", `\`${c.command}\` — ${m.date}`, "");
  out.push(
    `- machine: ${m.cpuModel}, ${m.cores} CPUs; generator on ${
      m.generator ?? `Node ${m.generatorNode.replace(/^v/, "")}`
    }; bench on Node ${m.generatorNode.replace(/^v/, "")}`,
  );
  out.push(`- ${m.pinning}`);
  if (m.cores <= 2) {
    out.push(
      `- on ${m.cores} CPUs the load generator competes for CPU with the server (and with anything else on the ` +
        `machine), so req/s is partly the generator's; **server CPU µs per request is the figure that holds**`,
    );
  }
  out.push(
    `- each figure: median of ${c.rounds} interleaved rounds (A B C, B C A, …), spread = min–max; ` +
      `${c.warmupMs} ms of load before each ${c.durationMs / 1000} s window; ` +
      `CPU = utime+stime of the server's process tree (/proc), RSS sampled every 100 ms`,
    `- HTTP and RESP servers are started once and kept warm for the session (no JIT or start-up inside a ` +
      `run); idle-memory runs start a fresh server each time`,
  );
  if (c.entryNote) out.push(`- ${c.entryNote}`);
  out.push(`- entry: \`${c.entry}\`; HTTP driver: ${c.driver}; RESP driver: ${c.respDriver}`, "");
  const slow = SCENARIOS.slow.kind === "http" ? SCENARIOS.slow.connections : 0;
  const notes = {
    slow: `GET /stream to ${slow} clients reading 1 MiB/s each; every server serves lab/app.ts here ` +
      `(a 16 MiB /stream); the figure to watch is peak RSS`,
    churn: "a new connection per request (latency includes connect)",
    idle: `${c.idleConnections} idle connections held by a separate process`,
    resp: `PING/SET/GET/INCR, pipeline 16, ${c.connections} connections`,
  };
  out.push(markdownReport(c.scenarios.map((id) => SCENARIOS[id]), r.rows, r.labels, notes));
  const w = r.wrkCheck;
  if (w !== undefined) {
    const range = (s: { min: number; max: number }) => `${Math.round(s.min)}–${Math.round(s.max)}`;
    out.push(
      "",
      `**generator/wrk = ${
        w.ratio.toFixed(2)
      }** — ${w.scenario} on ${w.server}, ${w.connections} connections, ` +
        `${w.threads} thread${w.threads > 1 ? "s" : ""} each: built-in ${
          Math.round(w.builtin.median)
        } req/s ` +
        `(${range(w.builtin)}) vs wrk ${Math.round(w.wrk.median)} req/s (${range(w.wrk)}), ` +
        `${w.builtin.n} turns each, alternated; load-side CPU per request: generator ` +
        `${w.builtinClientCpu.median.toFixed(1)} µs, wrk ${w.wrkClientCpu.median.toFixed(1)} µs`,
    );
  }
  if (r.targets.length > 0) {
    out.push("", "### Targets", "");
    for (const t of r.targets) out.push(targetLine(t));
  }
  return out.join("\n");
}

/** One line of the targets list. */
export function targetLine(t: TargetCheck): string {
  const below = t.ceiling !== undefined && !t.met &&
    Number.parseFloat(t.ceiling) < Number.parseFloat(t.target.replace(/[^\d.]/g, ""));
  const ceiling = t.ceiling === undefined
    ? ""
    : `; ${t.ceilingName ?? "TCP minimal"} on the same runtime: ${t.ceiling}${
      below ? ", below the target: the runtime's TCP API cannot reach it here" : ""
    }`;
  const plain = t.noFramework === undefined
    ? ""
    : `; with no framework, kernel ÷ ${t.noFramework.server}: ${t.noFramework.ratio}`;
  const mark = t.met ? "✓" : "✗";
  return `- ${mark} ${t.runtime}: ${t.what} = ${t.figure} (target ${t.target}${ceiling}${plain})`;
}

/** The SVG chart of a result. */
export function chartOf(r: BenchResult): string {
  const { machine: m, config: c } = r;
  return renderSvg(c.scenarios.map((id) => SCENARIOS[id]), r.rows, {
    title: `triloop bench — ${m.date.slice(0, 10)}`,
    subtitle: [
      `${m.cpuModel}, ${m.cores} CPUs · ${Object.values(r.labels).join(" · ")}`,
      `${m.pinning}. Medians of ${c.rounds} interleaved rounds × ${c.durationMs / 1000} s, ` +
      `${c.connections} connections.`,
      c.command,
    ],
    runtimeLabels: r.shortLabels,
  });
}

/** JSON text of a result (non-finite numbers as null). */
export function toJson(r: BenchResult): string {
  return JSON.stringify(r, (_, v) => (typeof v === "number" && !Number.isFinite(v) ? null : v), 2);
}

/** A result read back from JSON (nulls in figures become NaN again). */
export function fromJson(text: string): BenchResult {
  return JSON.parse(text, (_, v) => (v === null ? NaN : v)) as BenchResult;
}

/** Targets of a result's rows. */
export { checkTargets };
