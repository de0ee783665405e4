import { describe, expect, it } from "vitest";
import { targetLine } from "../../bench/report/page.ts";
import type { SummaryRow } from "../../bench/report/summary.ts";
import { checkTargets } from "../../bench/report/targets.ts";
import { spread } from "../../bench/lib/stats.ts";

/** A ws-echo row of `name` on Node with `cpu` µs per message. */
function row(
  name: string,
  family: SummaryRow["server"]["family"],
  cpu: number,
  baseline = false,
): SummaryRow {
  return {
    scenario: "ws-echo",
    server: { key: `node/${name}`, runtime: "node", name, family, baseline, loops: 1 },
    runs: 3,
    failedRuns: 0,
    rps: spread([10_000]),
    cpuUsPerReq: spread([cpu]),
    peakRss: spread([1]),
    bytesPerSec: spread([1]),
    p50: 1,
    p99: 1,
    max: 1,
    errors: 0,
    non2xx: 0,
  };
}

describe("ws-echo targets", () => {
  it("are messages per server CPU-second against the runtime's own server, each engine, with the raw echo beside", () => {
    const checks = checkTargets([
      row("triloop kernel", "triloop", 10),
      row("triloop native", "triloop", 30),
      row("ws (npm) on node:http", "bare", 24, true),
      row("TCP echo of the frames", "ceiling", 16),
    ]);
    const kernel = checks.find((c) => c.what.startsWith("kernel ws-echo"))!;
    expect(kernel.figure).toBe("2.40×");
    expect(kernel.met).toBe(true);
    expect(kernel.ceiling).toBe("1.50×");
    const native = checks.find((c) => c.what.startsWith("native ws-echo"))!;
    expect(native.figure).toBe("0.80×");
    expect(native.met).toBe(false);
    expect(targetLine(native)).toContain("a raw TCP echo of the same frames");
    expect(targetLine(native)).toContain("below the target: the runtime's TCP API cannot reach it here");
  });
});
