// The idle sweeper's promise (C7): a timeout never fires early, however late
// the sweep timer runs, and fires within two ticks on a healthy loop.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { type Idle, IdleSweeper } from "../../core/idle-sweeper.ts";

function item(idleMs: number): Idle & { fired: number[] } {
  const fired: number[] = [];
  return {
    idleMs,
    lastActive: 0,
    quietSince: 0,
    seenActive: 0,
    sweep: 0,
    fired,
    onIdle() {
      fired.push(performance.now());
    },
  };
}

function busyWait(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) { /* a handler that blocks the loop */ }
}

describe("IdleSweeper", () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("fires an untouched item no earlier than its timeout and within two ticks", () => {
    const s = new IdleSweeper();
    const it1 = item(800); // tick 100
    const t0 = performance.now();
    s.arm(it1);
    vi.advanceTimersByTime(799);
    expect(it1.fired).toEqual([]);
    vi.advanceTimersByTime(201);
    expect(it1.fired.length).toBe(1);
    expect(it1.fired[0]! - t0).toBeGreaterThanOrEqual(800);
    expect(it1.fired[0]! - t0).toBeLessThanOrEqual(1000);
  });

  it("activity (a store of the epoch) restarts the quiet period", () => {
    const s = new IdleSweeper();
    const it1 = item(800);
    s.arm(it1);
    let last = performance.now();
    for (let i = 0; i < 20; i++) {
      vi.advanceTimersByTime(350);
      it1.lastActive = s.epoch; // what Connection does on every read and write
      last = performance.now();
    }
    expect(it1.fired).toEqual([]);
    vi.advanceTimersByTime(2000);
    expect(it1.fired.length).toBeGreaterThanOrEqual(1);
    expect(it1.fired[0]! - last).toBeGreaterThanOrEqual(800);
  });

  it("re-arming measures from the arm, not from older activity", () => {
    const s = new IdleSweeper();
    const a = item(200);
    s.arm(a);
    vi.advanceTimersByTime(150);
    const t1 = performance.now();
    s.arm(a); // e.g. a new request head begins
    vi.advanceTimersByTime(199);
    expect(a.fired).toEqual([]);
    vi.advanceTimersByTime(100);
    expect(a.fired.length).toBe(1);
    expect(a.fired[0]! - t1).toBeGreaterThanOrEqual(200);
  });

  it("an item whose onIdle keeps it armed fires again one timeout later; disarm stops it", () => {
    const s = new IdleSweeper();
    const a = item(100);
    s.arm(a);
    vi.advanceTimersByTime(1000);
    expect(a.fired.length).toBeGreaterThanOrEqual(7);
    for (let i = 1; i < a.fired.length; i++) {
      expect(a.fired[i]! - a.fired[i - 1]!).toBeGreaterThanOrEqual(100);
    }
    s.disarm(a);
    expect(s.size).toBe(0);
    const n = a.fired.length;
    vi.advanceTimersByTime(1000);
    expect(a.fired.length).toBe(n);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("arming and disarming a watched item between sweeps costs no set operation and no clock read", () => {
    const s = new IdleSweeper();
    const a = item(1000);
    s.arm(a);
    const now = vi.spyOn(performance, "now");
    for (let i = 0; i < 1000; i++) {
      s.disarm(a);
      s.arm(a);
    }
    expect(now).not.toHaveBeenCalled();
    now.mockRestore();
    expect(s.size).toBe(1);
    s.disarm(a);
    vi.advanceTimersByTime(200); // the sweep drops it
    expect(a.sweep).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
    s.arm(a); // and it comes back
    vi.advanceTimersByTime(1300);
    expect(a.fired.length).toBe(1);
  });

  it("the shortest timeout sets the tick; the timer stops when nothing is armed", () => {
    const s = new IdleSweeper();
    const long = item(60_000);
    const short = item(40); // tick 5
    s.arm(long);
    s.arm(short);
    vi.advanceTimersByTime(50);
    expect(short.fired.length).toBe(1);
    s.disarm(short);
    s.disarm(long);
    vi.advanceTimersByTime(1000);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe("IdleSweeper on the real clock", () => {
  it("is never early when the sweep timer runs late (a blocked loop)", async () => {
    // The old coarse-clock design failed this: activity stamped a clock that
    // was a late tick stale, and the sweep right after fired before idleMs.
    const s = new IdleSweeper();
    const a = item(40); // tick 5
    s.arm(a);
    for (let round = 0; round < 5; round++) {
      a.fired.length = 0;
      busyWait(120); // the 5 ms sweep is now 115 ms late...
      a.lastActive = s.epoch; // ...and the connection does I/O just before it runs
      const touched = performance.now();
      await new Promise((r) => setTimeout(r, 100));
      expect(a.fired.length).toBeGreaterThanOrEqual(1);
      for (const t of a.fired) expect(t - touched).toBeGreaterThanOrEqual(40);
    }
    s.disarm(a);
  });
});
