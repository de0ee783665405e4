import { describe, expect, it } from "vitest";
import { interleave } from "../../bench/lib/interleave.ts";
import { median, spread } from "../../bench/lib/stats.ts";

describe("median and spread", () => {
  it("odd and even counts", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
    expect(median([])).toBeNaN();
  });

  it("min–max, quartiles by linear interpolation, relative spread", () => {
    expect(spread([90, 130, 100])).toEqual({
      n: 3,
      median: 100,
      min: 90,
      max: 130,
      q1: 95,
      q3: 115,
      relSpread: 0.4,
    });
    const s = spread([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(s.q1).toBe(2.75);
    expect(s.q3).toBe(6.25);
  });

  it("ignores failed runs (NaN) rather than letting them poison the median", () => {
    expect(spread([NaN, 10, 20, 30]).median).toBe(20);
    expect(spread([NaN]).n).toBe(0);
  });
});

describe("interleave", () => {
  it("BI1–BI3: rounds outer, each server once per round, rotated start", () => {
    const plan = interleave([{ scenario: "hello", servers: ["A", "B", "C"] }], 3);
    expect(plan.map((r) => r.server).join("")).toBe("ABCBCACAB");
    expect(plan.map((r) => r.round)).toEqual([0, 0, 0, 1, 1, 1, 2, 2, 2]);
  });

  it("scenarios inside a round; each (scenario, server) pair once per round", () => {
    const plan = interleave([
      { scenario: "hello", servers: ["A", "B"] },
      { scenario: "pipelined", servers: ["A", "B", "C"] },
    ], 2);
    expect(plan.map((r) => `${r.round}${r.scenario[0]}${r.server}`)).toEqual([
      "0hA",
      "0hB",
      "0pA",
      "0pB",
      "0pC",
      "1hB",
      "1hA",
      "1pB",
      "1pC",
      "1pA",
    ]);
    for (let round = 0; round < 2; round++) {
      const pairs = plan.filter((r) => r.round === round).map((r) => `${r.scenario}/${r.server}`);
      expect(new Set(pairs).size).toBe(pairs.length);
    }
  });

  it("no server is always first: over n rounds each leads once", () => {
    const servers = ["A", "B", "C", "D"];
    const plan = interleave([{ scenario: "s", servers }], 4);
    const leaders = [0, 1, 2, 3].map((r) => plan.find((p) => p.round === r)!.server);
    expect(new Set(leaders).size).toBe(4);
  });

  it("an empty server list plans nothing", () => {
    expect(interleave([{ scenario: "s", servers: [] }], 3)).toEqual([]);
  });
});
