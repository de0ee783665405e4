/**
 * The order of runs. Runs of different servers are interleaved — every
 * server runs a scenario once before any runs it again — so slow drift on a
 * shared machine (another job starting, the CPU warming) lands on all of
 * them alike instead of on whoever ran last.
 *
 * Invariants:
 * - **BI1 rounds-outer**: round r's runs all come before round r+1's.
 * - **BI2 each-once-per-round**: in a round, each (scenario, server) pair that
 *   applies runs exactly once.
 * - **BI3 rotation**: round r starts its server list at position r (mod n):
 *   A B C, then B C A, then C A B, so no server is always first (after an
 *   idle pause) or always right after the same neighbour.
 *
 * @example Three servers, two rounds
 * ```ts
 * import { interleave } from "./interleave.ts";
 * interleave([{ scenario: "hello", servers: ["A", "B", "C"] }], 2).map((r) => r.server).join("");
 * // "ABCBCA"
 * ```
 *
 * @module
 */

/** One scenario and the servers it runs on. */
export interface ScenarioServers {
  scenario: string;
  servers: readonly string[];
}

/** One run in the plan. */
export interface PlannedRun {
  round: number;
  scenario: string;
  server: string;
}

/** The interleaved plan of `rounds` rounds (BI1–BI3). */
export function interleave(groups: readonly ScenarioServers[], rounds: number): PlannedRun[] {
  const plan: PlannedRun[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const { scenario, servers } of groups) {
      const n = servers.length;
      for (let k = 0; k < n; k++) {
        plan.push({ round, scenario, server: servers[(round + k) % n] });
      }
    }
  }
  return plan;
}
