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
