/**
 * The project's performance targets, checked against one run's medians:
 * triloop's HTTP kernel engine against the peers a user would pick instead,
 * and the TCP adapter's overhead against the raw runtime APIs.
 *
 * @module
 */

import type { ScenarioId } from "../scenarios.ts";
import type { SummaryRow } from "./summary.ts";
import { KERNEL_NO_FRAMEWORK } from "../servers/matrix.ts";

/** One checked target. */
export interface TargetCheck {
  runtime: string;
  what: string;
  /** The measured figure, as text. */
  figure: string;
  target: string;
  met: boolean;
  /**
   * For a req/s target against a peer: the same ratio for the minimal
   * responder straight on the runtime's TCP API (what any TCP-level server,
   * triloop's included, can reach at best), so a target above it reads as
   * the runtime's limit and not as the kernel's shortfall.
   */
  ceiling?: string;
  /** What the ceiling is, when not the minimal responder ("TCP minimal"). */
  ceilingName?: string;
  /**
   * For a req/s target against a framework on the runtime's server: the same
   * ratio with no framework on either side (`lab/plain.ts` on the kernel
   * and on the runtime's own server), when both ran: what the server does
   * apart from the framework's work per request.
   */
  noFramework?: { ratio: string; server: string };
}

interface Rule {
  scenario: ScenarioId;
  runtimes: string[];
  mine: (r: SummaryRow) => boolean;
  theirs: (r: SummaryRow) => boolean;
  measure: "rps" | "cpu" | "perCpu" | "idle";
  /**
   * rps: mine/theirs ≥ min; cpu: mine/theirs ≤ max; perCpu (work per server
   * CPU-second): theirs' CPU/op ÷ mine ≥ min; idle: mine − theirs ≤ max bytes.
   */
  min?: number;
  max?: number;
  what: string;
}

const kernel = (r: SummaryRow) => r.server.name === "triloop kernel";
const honoNative = (r: SummaryRow) => r.server.family === "framework" && r.server.baseline === true;
const wsNative = (r: SummaryRow) => r.server.family === "bare" && r.server.baseline === true;
/** The ws-echo targets (messages per server CPU-second against the runtime's own server), for each engine. */
const WS_ECHO: { runtimes: string[]; min: number; peer: string }[] = [
  { runtimes: ["node", "node24"], min: 2, peer: "ws (npm)" },
  { runtimes: ["bun"], min: 0.8, peer: "Bun.serve websocket" },
  { runtimes: ["deno"], min: 1, peer: "Deno.upgradeWebSocket" },
];
const RULES: Rule[] = [
  ...WS_ECHO.flatMap(({ runtimes, min, peer }) =>
    (["kernel", "native"] as const).map((engine): Rule => ({
      scenario: "ws-echo",
      runtimes,
      mine: (r) => r.server.name === `triloop ${engine}`,
      theirs: wsNative,
      measure: "perCpu",
      min,
      what: `${engine} ws-echo msg per server CPU-s ÷ ${peer}`,
    }))
  ),
  {
    scenario: "hello",
    runtimes: ["node", "node24"],
    mine: kernel,
    theirs: honoNative,
    measure: "rps",
    min: 1.5,
    what: "kernel req/s ÷ Hono on @hono/node-server",
  },
  {
    scenario: "pipelined",
    runtimes: ["node", "node24"],
    mine: kernel,
    theirs: honoNative,
    measure: "rps",
    min: 5,
    what: "kernel pipelined req/s ÷ Hono on @hono/node-server",
  },
  {
    scenario: "hello",
    runtimes: ["node", "node24"],
    mine: kernel,
    theirs: (r) => r.server.name === "node:http",
    measure: "cpu",
    max: 1,
    what: "kernel CPU/req ÷ bare node:http",
  },
  {
    scenario: "hello",
    runtimes: ["bun"],
    mine: kernel,
    theirs: honoNative,
    measure: "rps",
    min: 1,
    what: "kernel req/s ÷ Hono on Bun.serve",
  },
  {
    scenario: "pipelined",
    runtimes: ["bun"],
    mine: kernel,
    theirs: honoNative,
    measure: "rps",
    min: 5,
    what: "kernel pipelined req/s ÷ Hono on Bun.serve",
  },
  {
    scenario: "hello",
    runtimes: ["deno"],
    mine: kernel,
    theirs: honoNative,
    measure: "rps",
    min: 1,
    what: "kernel req/s ÷ Hono on Deno.serve",
  },
  {
    scenario: "pipelined",
    runtimes: ["deno"],
    mine: kernel,
    theirs: honoNative,
    measure: "rps",
    min: 5,
    what: "kernel pipelined req/s ÷ Hono on Deno.serve",
  },
  {
    scenario: "resp",
    runtimes: ["node", "node24", "bun", "deno"],
    mine: (r) => r.server.family === "triloop",
    theirs: (r) => r.server.family === "raw",
    measure: "rps",
    min: 0.9,
    what: "resp-kv ops/s ÷ raw RESP",
  },
  {
    // The same target on the figure that holds on a noisy machine: ≥ 90 % of raw speed is ≤ 1/0.9 of its CPU.
    scenario: "resp",
    runtimes: ["node", "node24", "bun", "deno"],
    mine: (r) => r.server.family === "triloop",
    theirs: (r) => r.server.family === "raw",
    measure: "cpu",
    max: 1.11,
    what: "resp-kv CPU/op ÷ raw RESP",
  },
  {
    scenario: "idle",
    runtimes: ["node", "node24", "bun", "deno"],
    mine: (r) => r.server.family === "triloop",
    theirs: (r) => r.server.family === "raw",
    measure: "idle",
    max: 2048,
    what: "echo bytes/idle conn above raw echo",
  },
];

/** Checks every rule that has both rows measured. */
export function checkTargets(rows: readonly SummaryRow[]): TargetCheck[] {
  const out: TargetCheck[] = [];
  for (const rule of RULES) {
    for (const rt of rule.runtimes) {
      const here = rows.filter((r) => r.scenario === rule.scenario && r.server.runtime === rt && r.runs > 0);
      const mine = here.find(rule.mine);
      const theirs = here.find(rule.theirs);
      if (mine === undefined || theirs === undefined) continue;
      if (rule.measure === "idle") {
        const above = (mine.bytesPerConn?.median ?? NaN) - (theirs.bytesPerConn?.median ?? NaN);
        out.push({
          runtime: rt,
          what: rule.what,
          figure: `${Math.round(above)} B`,
          target: `≤ ${rule.max} B`,
          met: above <= rule.max!,
        });
        continue;
      }
      const ratio = rule.measure === "rps"
        ? mine.rps.median / theirs.rps.median
        : rule.measure === "perCpu"
        ? theirs.cpuUsPerReq.median / mine.cpuUsPerReq.median
        : mine.cpuUsPerReq.median / theirs.cpuUsPerReq.median;
      const met = rule.min !== undefined ? ratio >= rule.min : ratio <= rule.max!;
      const minimal = here.find((r) => r.server.name === "TCP minimal");
      const check: TargetCheck = {
        runtime: rt,
        what: rule.what,
        figure: `${ratio.toFixed(2)}×`,
        target: rule.min !== undefined ? `≥ ${rule.min}×` : `≤ ${rule.max}×`,
        met,
      };
      if (rule.measure === "rps" && rule.mine === kernel && minimal !== undefined) {
        check.ceiling = `${(minimal.rps.median / theirs.rps.median).toFixed(2)}×`;
      }
      // A raw TCP echo of the same frames: the most any server on this TCP API gets per CPU-second.
      const rawEcho = here.find((r) => r.server.family === "ceiling");
      if (rule.measure === "perCpu" && rawEcho !== undefined) {
        check.ceiling = `${(theirs.cpuUsPerReq.median / rawEcho.cpuUsPerReq.median).toFixed(2)}×`;
        check.ceilingName = "a raw TCP echo of the same frames, ÷ the same peer";
      }
      const plainMine = here.find((r) => r.server.name === KERNEL_NO_FRAMEWORK);
      const plainTheirs = here.find((r) => r.server.family === "bare");
      if (rule.measure === "rps" && rule.theirs === honoNative && plainMine && plainTheirs) {
        check.noFramework = {
          ratio: `${(plainMine.rps.median / plainTheirs.rps.median).toFixed(2)}×`,
          server: plainTheirs.server.name,
        };
      }
      out.push(check);
    }
  }
  return out;
}
