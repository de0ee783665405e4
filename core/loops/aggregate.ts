/**
 * Summing what loops report: their counters (LP9) and their shutdown reports
 * (LP7). Counters are summed field by field, whatever their shape, so HTTP
 * (`ServerStats`) and TCP (`ListenerStats`) loops need no code of their own.
 *
 * @module
 */

import type { ShutdownReport } from "../types.ts";

/** A tree of counters: numbers, and objects of counters. */
export type Counters = { [key: string]: number | Counters };

/**
 * Gauges: fields that say what is true now, not what happened. A dead loop's
 * open connections are gone, so its gauges are zeroed when it is retired.
 */
const GAUGES = new Set(["open"]);

/** Adds `from` (a tree of counters) into `into`, field by field (missing fields start at 0). Returns `into`. */
export function addCounters(into: Counters, from: object): Counters {
  for (const [key, value] of Object.entries(from as Counters)) {
    if (typeof value === "number") {
      const have = into[key];
      into[key] = (typeof have === "number" ? have : 0) + value;
    } else if (typeof value === "object" && value !== null) {
      const have = into[key];
      into[key] = addCounters(typeof have === "object" ? have : {}, value);
    }
  }
  return into;
}

/** A copy of `c` with every gauge set to 0: what a dead loop still contributes. */
export function retire(c: object): Counters {
  const out: Counters = {};
  for (const [key, value] of Object.entries(c as Counters)) {
    if (typeof value === "number") out[key] = GAUGES.has(key) ? 0 : value;
    else if (typeof value === "object" && value !== null) out[key] = retire(value);
  }
  return out;
}

/** Every loop's report as one: drained only if all drained, counts summed. */
export function mergeReports(reports: ShutdownReport[], ms: number, extraForced = 0): ShutdownReport {
  let completed = 0;
  let forced = extraForced;
  let drained = extraForced === 0;
  let websockets: ShutdownReport["websockets"];
  for (const r of reports) {
    completed += r.completed;
    forced += r.forced;
    if (r.outcome !== "drained") drained = false;
    if (r.websockets !== undefined) {
      websockets ??= { closed: 0, forced: 0 };
      websockets.closed += r.websockets.closed;
      websockets.forced += r.websockets.forced;
    }
  }
  const report: ShutdownReport = {
    outcome: drained ? "drained" : "forced",
    completed,
    forced,
    ms: Math.round(ms),
  };
  if (websockets !== undefined) report.websockets = websockets;
  return report;
}
