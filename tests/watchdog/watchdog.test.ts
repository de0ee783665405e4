// The watchdog's bookkeeping, in-process on Node: options, label counting and
// its cap, a throwing onStall, the default log line. Its timing behaviour on
// every runtime is tests/conformance/watchdog-suite.ts.
import { afterEach, describe, expect, it, vi } from "vitest";
import { isTriloopError } from "../../core/errors.ts";
import type { Stall, Watchdog } from "../../core/types.ts";
import { startWatchdog } from "../../core/watchdog.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
function block(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) { /* spin */ }
}

let wd: Watchdog | undefined;
afterEach(() => {
  wd?.stop();
  vi.restoreAllMocks();
});

describe("watchdog", () => {
  it("rejects bad options", () => {
    for (
      const options of [{ intervalMs: 0 }, { stallMs: -1 }, { shedMs: Number.NaN }, { intervalMs: Infinity }]
    ) {
      let err: unknown;
      try {
        startWatchdog(options).stop();
      } catch (e) {
        err = e;
      }
      expect(isTriloopError(err, "TRI_ERR_INVALID_ARG"), JSON.stringify(options)).toBe(true);
    }
  });

  it("counts unlabelled stalls, caps distinct labels at 64, and survives a throwing onStall", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    let told = 0;
    wd = startWatchdog({
      intervalMs: 5,
      stallMs: 15,
      log: false,
      onStall: () => {
        told++;
        throw new Error("onStall bug");
      },
    });
    await sleep(10);
    block(25);
    await sleep(10);
    for (let i = 0; i < 66; i++) {
      wd.enter(`label-${i}`);
      block(25);
      await sleep(6);
    }
    const s = wd.stats();
    expect(s.byLabel["(unlabelled)"]).toBeGreaterThanOrEqual(1);
    expect(Object.keys(s.byLabel).length).toBeLessThanOrEqual(65);
    expect(s.byLabel["(other)"]).toBeGreaterThanOrEqual(1);
    expect(told).toBe(s.stalls);
    expect(errors).toHaveBeenCalled();
    expect(s.lastStall?.label).toBe("label-65");
  });

  it("logs every stall in a line of its own, ten a second, and counts the rest after the second", async () => {
    const lines: string[] = [];
    wd = startWatchdog({ intervalMs: 5, stallMs: 15, log: (l) => lines.push(l) });
    await sleep(10);
    for (const label of ["a", "b", "c"]) {
      wd.enter(label);
      block(25);
      await sleep(8);
    }
    for (const label of ["a", "b", "c"]) {
      expect(lines.filter((l) => l.includes(`"${label}"`)), label).toEqual([
        expect.stringMatching(new RegExp(`^triloop: the event loop was blocked \\d+ ms by "${label}"$`)),
      ]);
    }
    for (let i = 0; i < 12; i++) {
      wd.enter(`more-${i}`);
      block(25);
      await sleep(8);
    }
    // Within about a second every stall is in exactly one line, by name or counted.
    const accounted = () => {
      let n = 0;
      for (const line of lines) {
        if (/ ms by /.test(line)) n++;
        for (const m of line.matchAll(/ ×(\d+)/g)) n += Number(m[1]);
      }
      return n;
    };
    for (let i = 0; i < 60 && accounted() !== wd.stats().stalls; i++) await sleep(50);
    expect(accounted()).toBe(wd.stats().stalls);
    expect(lines.filter((l) => / ms by /.test(l)).length).toBeLessThanOrEqual(10 + 2);
    expect(lines.some((l) => /^triloop: and \d+ more stalls in the second before, by .*"more-11" ×1/.test(l)))
      .toBe(true);
  });

  it("splits a late tick among the labels that held the loop, and names the rest", async () => {
    const stalls: Stall[] = [];
    wd = startWatchdog({ intervalMs: 5, stallMs: 15, log: false, onStall: (s) => stalls.push(s) });
    await sleep(10);
    // One batch, as a runtime delivers several requests: two blockers and cheap work, no tick between.
    wd.enter("cheap-1");
    wd.enter("slow-1");
    block(30);
    wd.enter("cheap-2");
    wd.enter("slow-2");
    block(30);
    wd.enter("cheap-3");
    await sleep(10);
    expect(stalls.map((s) => s.label)).toEqual(["slow-1", "slow-2"]);
    expect(stalls[1].delayMs).toBeGreaterThanOrEqual(29);
    expect(stalls[1].since).toBeGreaterThan(stalls[0].since);
    // No single label held it: twelve short ones in a row, late by far more than stallMs.
    stalls.length = 0;
    for (let i = 0; i < 12; i++) {
      wd.enter(`short-${i}`);
      block(5);
    }
    await sleep(10);
    // (A busy machine may stretch one of them past stallMs: then it is named, and the rest still shared.)
    const shared = stalls.filter((s) => s.label === undefined);
    expect(shared, JSON.stringify(stalls)).toHaveLength(1);
    expect(shared[0].shared).toBeGreaterThanOrEqual(8);
    expect(wd.stats().byLabel["(short tasks)"]).toBe(1);
  });

  it("logs with console.warn by default", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    wd = startWatchdog({ intervalMs: 5, stallMs: 15 });
    await sleep(10);
    wd.enter("GET /slow");
    block(30);
    await sleep(15);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0][0])).toMatch(/blocked \d+ ms by "GET \/slow"/);
  });
});
