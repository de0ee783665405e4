// The watchdog's bookkeeping, in-process on Node: options, label counting and
// its cap, a throwing onStall, the default log line. Its timing behaviour on
// every runtime is tests/conformance/watchdog-suite.ts.
import { afterEach, describe, expect, it, vi } from "vitest";
import { isTriloopError } from "../../core/errors.ts";
import type { Watchdog } from "../../core/types.ts";
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
      wd.current = `label-${i}`;
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

  it("names every stall in one line, at most one line a second", async () => {
    const lines: string[] = [];
    wd = startWatchdog({ intervalMs: 5, stallMs: 15, log: (l) => lines.push(l) });
    await sleep(10);
    for (const label of ["a", "b", "c"]) {
      wd.current = label;
      block(25);
      await sleep(8);
    }
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/blocked \d+ ms by "a"$/);
    for (let i = 0; i < 8; i++) {
      wd.current = `more-${i}`;
      block(25);
      await sleep(8);
    }
    // Normally two lines (the second: 'blocked 10 times: … by "b", … by "c",
    // …, and 5 more'); on a loaded machine perhaps more. Either way, within
    // about a second every stall is in exactly one line, by name or counted.
    const accounted = () => {
      let n = 0;
      for (const line of lines) {
        n += (line.match(/ ms by /g) ?? []).length + Number(/and (\d+) more$/.exec(line)?.[1] ?? 0);
      }
      return n;
    };
    for (let i = 0; i < 60 && accounted() !== wd.stats().stalls; i++) await sleep(50);
    expect(accounted()).toBe(wd.stats().stalls);
    for (const label of ["a", "b", "c", "more-0"]) {
      expect(lines.filter((l) => l.includes(`"${label}"`)).length).toBeLessThanOrEqual(1);
    }
    expect(lines.some((l) => /^triloop: the event loop was blocked \d+ times: .*\d+ ms by "b"/.test(l))).toBe(
      true,
    );
  });

  it("logs with console.warn by default", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    wd = startWatchdog({ intervalMs: 5, stallMs: 15 });
    await sleep(10);
    wd.current = "GET /slow";
    block(30);
    await sleep(15);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0][0])).toMatch(/blocked \d+ ms by "GET \/slow"/);
  });
});
