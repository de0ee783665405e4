// The respawn policy (LP4, LP5): backoff doubling inside the window, give-up
// at maxDeaths, and a window that forgets.
import { describe, expect, it } from "vitest";
import { CrashWindow, DEFAULT_RESPAWN, resolveRespawn } from "../../core/loops/policy.ts";

describe("respawn policy", () => {
  it("LP4 backs off exponentially, capped at maxBackoffMs", () => {
    const w = new CrashWindow(resolveRespawn({ backoffMs: 100, maxBackoffMs: 300, maxDeaths: 10 }));
    const delays = [0, 1, 2, 3, 4].map((i) => w.record(i * 10));
    expect(delays.map((v) => v.action === "respawn" && v.delayMs)).toEqual([100, 200, 300, 300, 300]);
  });

  it("LP5 gives up at maxDeaths within the window", () => {
    const w = new CrashWindow(resolveRespawn({ maxDeaths: 3, windowMs: 1000 }));
    expect(w.record(0).action).toBe("respawn");
    expect(w.record(100).action).toBe("respawn");
    expect(w.record(200)).toEqual({ action: "give-up", deaths: 3, windowMs: 1000 });
  });

  it("forgets deaths older than the window, so a stable loop starts over", () => {
    const w = new CrashWindow(resolveRespawn({ backoffMs: 10, maxDeaths: 3, windowMs: 1000 }));
    w.record(0);
    w.record(500);
    expect(w.count(1499)).toBe(1);
    expect(w.record(2600)).toEqual({ action: "respawn", delayMs: 10, deaths: 1 });
  });

  it("has documented defaults: 100 ms doubling to 5 s, 5 deaths in 10 s", () => {
    expect(DEFAULT_RESPAWN).toEqual({ backoffMs: 100, maxBackoffMs: 5000, maxDeaths: 5, windowMs: 10_000 });
    expect(resolveRespawn({ backoffMs: undefined })).toEqual(DEFAULT_RESPAWN);
  });

  it("rejects bad values", () => {
    expect(() => resolveRespawn({ windowMs: -1 })).toThrow(RangeError);
    expect(() => resolveRespawn({ maxDeaths: 0 })).toThrow(RangeError);
    expect(() => resolveRespawn({ backoffMs: Number.NaN })).toThrow(RangeError);
  });
});
