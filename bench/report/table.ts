/**
 * The Markdown report: one table per scenario, rows grouped by runtime, each
 * figure a median over rounds with its spread, and ratios against a named
 * baseline of the same runtime.
 *
 * @module
 */

import type { Scenario, ScenarioId } from "../scenarios.ts";
import type { SummaryRow } from "./summary.ts";

/** `61.2k`, `1.03M`, `950`; `–` for no figure. */
export function fmtCount(v: number): string {
  if (!Number.isFinite(v)) return "–";
  if (v >= 1e6) return `${(v / 1e6).toFixed(2)}M`;
  if (v >= 1e4) return `${(v / 1e3).toFixed(1)}k`;
  if (v >= 1e3) return `${(v / 1e3).toFixed(2)}k`;
  return v.toFixed(v >= 100 ? 0 : 1);
}

/** A latency in µs as `850µs`, `1.2ms`, `3.4s`. */
export function fmtLatency(us: number): string {
  if (!Number.isFinite(us)) return "–";
  if (us < 1000) return `${us.toFixed(0)}µs`;
  if (us < 1e6) return `${(us / 1000).toFixed(us < 1e4 ? 2 : 1)}ms`;
  return `${(us / 1e6).toFixed(2)}s`;
}

/** Bytes as `812 B`, `3.4 KiB`, `61 MiB`. */
export function fmtBytes(b: number): string {
  if (!Number.isFinite(b)) return "–";
  const a = Math.abs(b);
  if (a < 1024) return `${b.toFixed(0)} B`;
  if (a < 1024 * 1024) return `${(b / 1024).toFixed(1)} KiB`;
  if (a < 1024 ** 3) return `${(b / 1024 ** 2).toFixed(a < 10 * 1024 ** 2 ? 1 : 0)} MiB`;
  return `${(b / 1024 ** 3).toFixed(2)} GiB`;
}

/** CPU µs per request, 1–3 significant digits. */
export function fmtCpu(us: number): string {
  if (!Number.isFinite(us)) return "–";
  return us >= 100 ? us.toFixed(0) : us >= 10 ? us.toFixed(1) : us.toFixed(2);
}

function ratio(v: number | undefined): string {
  return v === undefined || !Number.isFinite(v) ? "" : `${v.toFixed(2)}×`;
}

function range(min: number, max: number, f: (v: number) => string): string {
  return Number.isFinite(min) ? `${f(min)}–${f(max)}` : "–";
}

/** The rate and the CPU cost of scenarios that count something else than requests. */
const UNITS: Partial<Record<ScenarioId, [string, string]>> = {
  resp: ["ops/s", "µs/op"],
  "ws-echo": ["msg/s", "µs/msg"],
  "ws-fanout": ["deliveries/s", "µs/delivery"],
};

const HTTP_HEAD = [
  "runtime",
  "server",
  "req/s",
  "spread (min–max)",
  "p50",
  "p99",
  "max",
  "errors",
  "non-2xx",
  "CPU µs/req",
  "peak RSS",
  "req/s ÷ base",
  "CPU ÷ base",
];

/** The table of one scenario; `versions` labels each runtime id (e.g. `node 20.20.2`). */
export function scenarioTable(
  scenario: Scenario,
  rows: readonly SummaryRow[],
  versions: Record<string, string>,
): string {
  const mine = rows.filter((r) => r.scenario === scenario.id);
  if (mine.length === 0) return "";
  const rt = (r: SummaryRow) => versions[r.server.runtime] ?? r.server.runtime;
  const name = (r: SummaryRow) =>
    (r.server.family === "triloop" ? `**${r.server.name}**` : r.server.name) +
    (r.server.baseline ? " (base)" : "");
  const lines: string[] = [];
  if (scenario.kind === "idle") {
    lines.push(
      row(["runtime", "server", "bytes/conn", "spread (min–max)", "above base", "RSS with conns", "failed"]),
    );
    lines.push(row(["---", "---", "---:", "---:", "---:", "---:", "---:"]));
    for (const r of mine) {
      if (r.bytesPerConn === undefined) {
        lines.push(row([rt(r), name(r), `skipped: ${r.skipped ?? "no runs"}`, "", "", "", ""]));
        continue;
      }
      const b = r.bytesPerConn;
      lines.push(row([
        rt(r),
        name(r),
        fmtBytes(b.median),
        range(b.min, b.max, fmtBytes),
        r.vs?.bytesPerConnAbove !== undefined ? fmtBytes(r.vs.bytesPerConnAbove) : "",
        fmtBytes(r.peakRss.median),
        String(r.errors),
      ]));
    }
    return lines.join("\n");
  }
  const [unit, per] = UNITS[scenario.id] ?? ["req/s", "µs/req"];
  const head = HTTP_HEAD.map((h) => h.replace("req/s", unit).replace("µs/req", per));
  if (scenario.id === "ws-fanout") {
    // The latencies of a fan-out: from the publish until the last subscriber has it.
    head[4] = "p50 to last";
    head[5] = "p99 to last";
  }
  if (scenario.kind === "http" && scenario.headline === "peakRss") head[2] = "MiB/s read";
  lines.push(row(head));
  lines.push(
    row([
      "---",
      "---",
      "---:",
      "---:",
      "---:",
      "---:",
      "---:",
      "---:",
      "---:",
      "---:",
      "---:",
      "---:",
      "---:",
    ]),
  );
  for (const r of mine) {
    if (r.skipped !== undefined && r.runs === 0) {
      lines.push(row([rt(r), name(r), `skipped: ${r.skipped}`, "", "", "", "", "", "", "", "", "", ""]));
      continue;
    }
    const slow = scenario.kind === "http" && scenario.headline === "peakRss";
    const main = slow ? r.bytesPerSec : r.rps;
    const f = slow ? (v: number) => (v / 1024 / 1024).toFixed(1) : fmtCount;
    lines.push(row([
      rt(r),
      name(r),
      f(main.median),
      range(main.min, main.max, f),
      fmtLatency(r.p50),
      fmtLatency(r.p99),
      fmtLatency(r.max),
      String(r.errors),
      String(r.non2xx),
      fmtCpu(r.cpuUsPerReq.median),
      fmtBytes(r.peakRss.median),
      slow ? "" : ratio(r.vs?.rps),
      ratio(r.vs?.cpu),
    ]));
  }
  return lines.join("\n");
}

function row(cells: string[]): string {
  return `| ${cells.join(" | ")} |`;
}

/** Every scenario's table, each under a heading. */
export function markdownReport(
  scenarios: readonly Scenario[],
  rows: readonly SummaryRow[],
  versions: Record<string, string>,
  notes: Partial<Record<ScenarioId, string>> = {},
): string {
  const parts: string[] = [];
  for (const s of scenarios) {
    const t = scenarioTable(s, rows, versions);
    if (!t) continue;
    parts.push(`### ${s.title}${notes[s.id] ? ` — ${notes[s.id]}` : ""}\n\n${t}`);
  }
  return parts.join("\n\n");
}
