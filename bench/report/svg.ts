/**
 * The chart, as hand-written SVG: one panel per scenario with bars grouped
 * by runtime, one colour per server kind (triloop's engines, the peers, the
 * ceiling), an error bar for each bar's spread (min–max over rounds), axis
 * labels and a legend. Two rows: the scenario's headline figure (req/s, or
 * peak RSS for the slow reader, bytes per idle connection), and server CPU
 * µs per request — the figure that holds on a noisy machine.
 *
 * Every bar is a `<rect class="bar">` with a `<title>` holding its figures,
 * so a test can count them and a reader can hover them.
 *
 * @module
 */

import { median } from "../lib/stats.ts";
import type { Scenario } from "../scenarios.ts";
import { fmtBytes, fmtCount, fmtCpu } from "./table.ts";
import type { SummaryRow } from "./summary.ts";

/** A colour per server kind, and the legend's words for it. */
const KINDS: { key: string; label: string; color: string }[] = [
  { key: "triloop kernel", label: "triloop, kernel engine", color: "#e4572e" },
  { key: "triloop native", label: "triloop, native engine", color: "#f3a712" },
  { key: "triloop", label: "triloop (TCP example)", color: "#e4572e" },
  { key: "hono", label: "Hono on the runtime's server", color: "#29335c" },
  { key: "srvx", label: "Hono on srvx", color: "#5b7db1" },
  { key: "bare", label: "bare node:http", color: "#4c9f70" },
  { key: "ceiling", label: "minimal responder on raw TCP (ceiling)", color: "#a0a4a8" },
  { key: "raw", label: "same server on the raw runtime API", color: "#a0a4a8" },
];

/** The colour key of a row's server. */
export function kindOf(r: Pick<SummaryRow, "server">): string {
  const s = r.server;
  if (s.family === "triloop") {
    if (s.name.startsWith("triloop kernel")) return "triloop kernel";
    if (s.name.startsWith("triloop native")) return "triloop native";
    return "triloop";
  }
  if (s.family === "framework") return s.name.includes("srvx") ? "srvx" : "hono";
  return s.family;
}

interface Metric {
  title: string;
  value: (r: SummaryRow) => { median: number; min: number; max: number };
  format: (v: number) => string;
  /** Byte figures get tick steps that are round in KiB or MiB. */
  bytes?: boolean;
}

function headline(s: Scenario): Metric {
  if (s.kind === "idle") {
    return {
      title: "server bytes per idle connection",
      value: (r) => r.bytesPerConn ?? none,
      format: fmtBytes,
      bytes: true,
    };
  }
  if (s.kind === "http" && s.headline === "peakRss") {
    return { title: "server peak RSS", value: (r) => r.peakRss, format: fmtBytes, bytes: true };
  }
  const title = s.kind === "resp"
    ? "ops/s"
    : s.id === "ws-echo"
    ? "messages/s"
    : s.id === "ws-fanout"
    ? "deliveries/s (10,000 subscribers)"
    : "requests/s";
  return { title, value: (r) => r.rps, format: fmtCount };
}

const none = { median: NaN, min: NaN, max: NaN };

function cpuMetric(s: Scenario): Metric {
  const per = s.kind === "resp"
    ? "op"
    : s.id === "ws-echo"
    ? "message"
    : s.id === "ws-fanout"
    ? "delivery"
    : "request";
  return { title: `server CPU µs per ${per} (lower is better)`, value: (r) => r.cpuUsPerReq, format: fmtCpu };
}

const BAR = 16;
const GAP = 3;
const GROUP_GAP = 16;
const PANEL_H = 250;
const PLOT_TOP = 44;
const PLOT_H = 160;
const LEFT = 56;
const MAX_ROW_W = 1480;

/** Options of {@link renderSvg}. */
export interface SvgOptions {
  title: string;
  subtitle: string[];
  /** runtime id → label under its group (e.g. `node 20.19`). */
  runtimeLabels: Record<string, string>;
}

/** Renders the chart of `rows` for `scenarios`. */
export function renderSvg(
  scenarios: readonly Scenario[],
  rows: readonly SummaryRow[],
  o: SvgOptions,
): string {
  const panels: { w: number; body: string }[] = [];
  for (const metricOf of [headline, (s: Scenario) => (s.kind === "idle" ? undefined : cpuMetric(s))]) {
    for (const s of scenarios) {
      const metric = metricOf(s);
      const mine = rows.filter((r) => r.scenario === s.id);
      if (metric === undefined || !mine.some((r) => Number.isFinite(metric.value(r).median))) continue;
      panels.push(panel(`${s.title}: ${metric.title}`, mine, metric, o.runtimeLabels));
    }
  }
  // Lay panels out left to right, wrapping rows.
  const headerH = 36 + o.subtitle.length * 16;
  let x = 0;
  let y = headerH;
  let width = 0;
  const placed: string[] = [];
  for (const p of panels) {
    if (x > 0 && x + p.w > MAX_ROW_W) {
      x = 0;
      y += PANEL_H;
    }
    placed.push(`<g transform="translate(${x},${y})">${p.body}</g>`);
    x += p.w;
    width = Math.max(width, x);
  }
  const legendY = y + PANEL_H + 8;
  const used = new Set(rows.filter((r) => r.runs > 0 || r.skipped).map(kindOf));
  const legend = KINDS.filter((k) => used.has(k.key));
  const legendItems = legend.map((k, i) => {
    const lx = 20 + (i % 3) * 330;
    const ly = legendY + Math.floor(i / 3) * 20;
    return `<rect x="${lx}" y="${ly}" width="14" height="14" fill="${k.color}"/>` +
      `<text x="${lx + 20}" y="${ly + 11}" class="legend">${esc(k.label)}</text>`;
  });
  const errY = legendY + Math.ceil(legend.length / 3) * 20;
  const height = errY + 28;
  width = Math.max(width, 1000);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
    `font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif">`,
    `<style>text{fill:#222}.t{font-size:18px;font-weight:600}.s{font-size:12px;fill:#555}` +
    `.p{font-size:12px;font-weight:600}.ax{font-size:10px;fill:#666}.g{font-size:11px}.legend{font-size:12px}` +
    `.na{font-size:9px;fill:#999}</style>`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="20" y="26" class="t">${esc(o.title)}</text>`,
    ...o.subtitle.map((line, i) => `<text x="20" y="${46 + i * 16}" class="s">${esc(line)}</text>`),
    ...placed,
    ...legendItems,
    `<line x1="26" y1="${errY + 4}" x2="26" y2="${errY + 18}" stroke="#222"/>` +
    `<line x1="22" y1="${errY + 4}" x2="30" y2="${errY + 4}" stroke="#222"/>` +
    `<line x1="22" y1="${errY + 18}" x2="30" y2="${errY + 18}" stroke="#222"/>` +
    `<text x="40" y="${errY + 15}" class="legend">error bar: min–max over rounds; bar: median</text>`,
    `</svg>`,
  ].join("\n");
}

function panel(
  title: string,
  rows: readonly SummaryRow[],
  metric: Metric,
  runtimeLabels: Record<string, string>,
): { w: number; body: string } {
  const groups: { runtime: string; rows: SummaryRow[] }[] = [];
  for (const r of rows) {
    const g = groups.find((x) => x.runtime === r.server.runtime);
    if (g) g.rows.push(r);
    else groups.push({ runtime: r.server.runtime, rows: [r] });
  }
  const values = rows.map(metric.value).filter((v) => Number.isFinite(v.median));
  const high = Math.max(0, ...values.map((v) => (Number.isFinite(v.max) ? v.max : v.median)));
  // One far outlier would flatten every other bar: the axis stops at 4× the
  // typical median, and taller bars are cut there and labelled with their value.
  const typical = median(values.map((v) => v.median));
  const limit = Math.min(high, 4 * typical);
  const step = metric.bytes ? niceBytes(limit / 4) : niceCeil(limit / 4);
  const ticks = Math.max(1, Math.ceil(limit / step));
  const top = step * ticks;
  const clip = (v: number) => Math.min(v, top);
  // A group is as wide as its bars, or its label (about 7 px a character).
  const groupW = (g: { runtime: string; rows: SummaryRow[] }) =>
    Math.max(g.rows.length * (BAR + GAP), 7 * (runtimeLabels[g.runtime] ?? g.runtime).length);
  const plotW = groups.reduce((n, g) => n + groupW(g) + GROUP_GAP, 0);
  const w = Math.max(LEFT + plotW + 24, 8 * title.length + LEFT);
  const y = (v: number) => PLOT_TOP + PLOT_H - (top > 0 ? (clip(v) / top) * PLOT_H : 0);
  const out: string[] = [];
  out.push(`<text x="${LEFT}" y="22" class="p">${esc(title)}</text>`);
  // Axis, grid and tick labels.
  for (let i = 0; i <= ticks; i++) {
    const v = step * i;
    const yy = y(v);
    out.push(
      `<line x1="${LEFT}" y1="${yy}" x2="${LEFT + plotW}" y2="${yy}" stroke="${i ? "#eee" : "#999"}"/>`,
    );
    out.push(
      `<text x="${LEFT - 6}" y="${yy + 3}" text-anchor="end" class="ax">${
        v === 0 ? "0" : esc(metric.format(v))
      }</text>`,
    );
  }
  out.push(`<line x1="${LEFT}" y1="${PLOT_TOP}" x2="${LEFT}" y2="${PLOT_TOP + PLOT_H}" stroke="#999"/>`);
  let x = LEFT + GROUP_GAP / 2;
  for (const g of groups) {
    const gx = x;
    x += (groupW(g) - g.rows.length * (BAR + GAP)) / 2;
    for (const r of g.rows) {
      const v = metric.value(r);
      const color = KINDS.find((k) => k.key === kindOf(r))?.color ?? "#777";
      if (!Number.isFinite(v.median)) {
        out.push(
          `<text x="${x + BAR / 2}" y="${PLOT_TOP + PLOT_H - 4}" text-anchor="middle" class="na" ` +
            `transform="rotate(-90 ${x + BAR / 2} ${PLOT_TOP + PLOT_H - 4})">${
              esc(r.skipped ? "skipped" : "n/a")
            }` +
            `<title>${esc(`${r.server.key}: ${r.skipped ?? "no figure"}`)}</title></text>`,
        );
      } else {
        const y0 = y(v.median);
        const stroke = r.server.family === "triloop" ? ` stroke="#222" stroke-width="1"` : "";
        if (v.median > top) {
          // Cut at the axis top: say the value, and mark the cut with a white notch.
          out.push(
            `<text x="${x + BAR / 2}" y="${PLOT_TOP - 4}" text-anchor="middle" class="ax">${
              esc(metric.format(v.median))
            }</text>` +
              `<line class="cut" x1="${x}" y1="${PLOT_TOP + 6}" x2="${x + BAR}" y2="${
                PLOT_TOP + 2
              }" stroke="#fff" stroke-width="2"/>`,
          );
        }
        out.push(
          `<rect class="bar" x="${x}" y="${y0.toFixed(1)}" width="${BAR}" height="${
            (PLOT_TOP + PLOT_H - y0).toFixed(1)
          }" ` +
            `fill="${color}"${stroke}><title>${
              esc(
                `${r.server.key}: ${metric.format(v.median)} ` +
                  `(min ${metric.format(v.min)}, max ${metric.format(v.max)}, ${r.runs} runs)`,
              )
            }</title></rect>`,
        );
        if (Number.isFinite(v.min) && v.max > v.min) {
          const cx = x + BAR / 2;
          out.push(
            `<g class="err" stroke="#222"><line x1="${cx}" y1="${y(v.max).toFixed(1)}" x2="${cx}" y2="${
              y(v.min).toFixed(1)
            }"/>` +
              `<line x1="${cx - 3}" y1="${y(v.max).toFixed(1)}" x2="${cx + 3}" y2="${
                y(v.max).toFixed(1)
              }"/>` +
              `<line x1="${cx - 3}" y1="${y(v.min).toFixed(1)}" x2="${cx + 3}" y2="${
                y(v.min).toFixed(1)
              }"/></g>`,
          );
        }
      }
      x += BAR + GAP;
    }
    const label = runtimeLabels[g.runtime] ?? g.runtime;
    x = gx + groupW(g);
    out.push(
      `<text x="${gx + (groupW(g) - GAP) / 2}" y="${PLOT_TOP + PLOT_H + 16}" text-anchor="middle" class="g">${
        esc(label)
      }</text>`,
    );
    x += GROUP_GAP;
  }
  return { w, body: out.join("") };
}

/** A tick step for bytes: round in B, KiB, MiB or GiB (1, 2, 2.5, 5 × 10^k of the unit). */
export function niceBytes(v: number): number {
  let unit = 1;
  while (v >= 1024 * unit && unit < 1024 ** 3) unit *= 1024;
  return niceCeil(v / unit) * unit;
}

/** The smallest 1, 2, 2.5 or 5 × 10^k at or above `v`: a tick step people read easily. */
export function niceCeil(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

/** Escapes text for SVG content and attributes. */
export function esc(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}
