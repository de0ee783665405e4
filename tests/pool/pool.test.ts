// The pool's scheduling, on fake in-process workers (tests/pool/_fake-worker.ts):
// dispatch, queueing, cancellation, timeouts, crashes, load failures and
// close, without threads. The same invariants run on real workers, on every
// runtime, in tests/conformance/pool-suite.ts.
import { describe, expect, it } from "vitest";
import { isTriloopError } from "../../core/errors.ts";
import { createPoolOn, defaultPoolSize } from "../../core/pool/pool.ts";
import type { PoolOptions } from "../../core/types.ts";
import { type FakeRuntime, fakeRuntime } from "./_fake-worker.ts";

const TASKS = new URL("file:///tasks.ts");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function pool(rt: FakeRuntime, options: Partial<PoolOptions> = {}) {
  return createPoolOn(rt, { tasks: TASKS, size: 2, ...options });
}

async function rejection(p: Promise<unknown>): Promise<any> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error("expected a rejection");
}

describe("pool scheduling (fake workers)", () => {
  it("PL1 starts its workers at once and resolves results", async () => {
    const rt = fakeRuntime();
    const p = pool(rt);
    expect(rt.spawned).toBe(2);
    expect(await p.run("echo", { value: 42 })).toBe(42);
    expect(p.stats()).toMatchObject({ size: 2, live: 2, done: 1, failed: 0, busy: 0, queued: 0 });
    await p.close();
  });

  it("PL2 a task error rejects only its call, rebuilt with class and code", async () => {
    const rt = fakeRuntime();
    const p = pool(rt);
    const [bad, good] = await Promise.allSettled([p.run("fail"), p.run("echo", { value: 1, ms: 5 })]);
    expect(bad.status).toBe("rejected");
    const err = (bad as PromiseRejectedResult).reason;
    expect(err).toBeInstanceOf(RangeError);
    expect(err.code).toBe("E_FAKE");
    expect(good).toEqual({ status: "fulfilled", value: 1 });
    expect(rt.spawned).toBe(2);
    await p.close();
  });

  it("queues in order when every worker is busy", async () => {
    const rt = fakeRuntime();
    const p = pool(rt, { size: 1 });
    const all = [1, 2, 3].map((value) => p.run("echo", { value, ms: 5 }));
    expect(p.stats().queued).toBe(3); // the worker is still loading
    expect(await Promise.all(all)).toEqual([1, 2, 3]);
    await p.close();
  });

  it("PL3 a queued task's transfer list is detached at once", async () => {
    const rt = fakeRuntime();
    const p = pool(rt, { size: 1 });
    const buf = new Uint8Array([1, 2, 3]).buffer;
    const done = p.run("echo", { value: buf }, { transfer: [buf] });
    expect(buf.byteLength).toBe(0);
    const back = (await done) as ArrayBuffer;
    expect([...new Uint8Array(back)]).toEqual([1, 2, 3]);
    await p.close();
  });

  it("PL4 aborting a queued task rejects it at once; it never runs", async () => {
    const rt = fakeRuntime();
    const p = pool(rt, { size: 1 });
    await p.run("echo", { value: 0 });
    const first = p.run("echo", { value: 1, ms: 30 });
    const ac = new AbortController();
    const second = p.run("echo", { value: 2 }, { signal: ac.signal });
    let settled = false;
    second.catch(() => (settled = true));
    ac.abort(new Error("changed my mind"));
    await Promise.resolve();
    expect(settled).toBe(true);
    const err = await rejection(second);
    expect(isTriloopError(err, "TRI_ERR_POOL_ABORTED")).toBe(true);
    expect(err.cause.message).toBe("changed my mind");
    expect(await first).toBe(1);
    expect(rt.received).toEqual(["echo", "echo"]);
    const pre = AbortSignal.abort();
    expect(
      isTriloopError(await rejection(p.run("echo", { value: 3 }, { signal: pre })), "TRI_ERR_POOL_ABORTED"),
    )
      .toBe(true);
    expect(p.stats().aborted).toBe(2);
    await p.close();
  });

  it("PL5 aborting a running task replaces its worker, and the pool serves on", async () => {
    const rt = fakeRuntime();
    const p = pool(rt, { size: 1 });
    await p.run("echo", { value: 0 });
    const ac = new AbortController();
    const running = p.run("hang", undefined, { signal: ac.signal });
    await sleep(5);
    ac.abort();
    expect(isTriloopError(await rejection(running), "TRI_ERR_POOL_ABORTED")).toBe(true);
    expect(await p.run("echo", { value: 5 })).toBe(5);
    expect(rt.spawned).toBe(2);
    expect(p.stats().restarts).toBe(1);
    await p.close();
  });

  it("PL6 a running task past its timeout rejects and its worker is replaced; queue time does not count", async () => {
    const rt = fakeRuntime();
    const p = pool(rt, { size: 1 });
    await p.run("echo", { value: 0 });
    const long = p.run("echo", { value: "long", ms: 60 });
    const queued = p.run("echo", { value: "quick", ms: 1 }, { timeoutMs: 40 });
    expect(await long).toBe("long");
    expect(await queued).toBe("quick");
    const err = await rejection(p.run("hang", undefined, { timeoutMs: 20 }));
    expect(isTriloopError(err, "TRI_ERR_POOL_TIMEOUT")).toBe(true);
    expect(await p.run("echo", { value: "after" })).toBe("after");
    expect(p.stats()).toMatchObject({ timedOut: 1, restarts: 1 });
    await p.close();
  });

  it("PL7 past maxQueue, run rejects at once with TRI_ERR_POOL_FULL", async () => {
    const rt = fakeRuntime();
    const p = pool(rt, { size: 1, maxQueue: 2 });
    await p.run("echo", { value: 0 });
    const running = p.run("echo", { value: 1, ms: 20 });
    const queued = [p.run("echo", { value: 2 }), p.run("echo", { value: 3 })];
    const err = await rejection(p.run("echo", { value: 4 }));
    expect(isTriloopError(err, "TRI_ERR_POOL_FULL")).toBe(true);
    expect(await Promise.all([running, ...queued])).toEqual([1, 2, 3]);
    expect(p.stats().rejectedFull).toBe(1);
    await p.close();
  });

  it("PL8 a worker that dies during a task rejects it (code or cause) and is replaced", async () => {
    const rt = fakeRuntime();
    const p = pool(rt, { size: 1 });
    const died = await rejection(p.run("die"));
    expect(isTriloopError(died, "TRI_ERR_POOL_WORKER_DIED")).toBe(true);
    expect(died.message).toContain("exit code 7");
    const crashed = await rejection(p.run("crash"));
    expect(isTriloopError(crashed, "TRI_ERR_POOL_WORKER_DIED")).toBe(true);
    expect(crashed.cause.message).toBe("fake uncaught");
    expect(await p.run("echo", { value: "still" })).toBe("still");
    expect(rt.maxLive).toBe(1);
    await p.close();
  });

  it("PL8 a crash between tasks goes to onError and the worker is replaced", async () => {
    const rt = fakeRuntime();
    const errors: unknown[] = [];
    const p = pool(rt, { size: 1, onError: (e) => errors.push(e) });
    await p.run("echo", { value: 0 });
    for (const w of rt.workers) (w as any).crashNow();
    expect(errors).toHaveLength(1);
    expect(isTriloopError(errors[0], "TRI_ERR_POOL_WORKER_DIED")).toBe(true);
    expect(await p.run("echo", { value: 1 })).toBe(1);
    await p.close();
  });

  for (const load of ["fail", "exit"] as const) {
    it(`PL8 a module that fails to load (${load}) rejects waiting tasks, with no restart storm`, async () => {
      const rt = fakeRuntime();
      rt.load = load;
      const p = pool(rt, { size: 3 });
      const waiting = [p.run("echo", { value: 1 }), p.run("echo", { value: 2 })];
      for (const w of waiting) {
        const err = await rejection(w);
        expect(isTriloopError(err, "TRI_ERR_POOL_WORKER_DIED")).toBe(true);
        expect(err.cause.message).toMatch(/fake (load failure|exit while loading)/);
      }
      await sleep(20);
      expect(rt.spawned).toBe(3); // the first three, nothing more while nothing waits
      expect(p.stats().live).toBe(0);
      expect(isTriloopError(await rejection(p.run("echo", { value: 3 })), "TRI_ERR_POOL_WORKER_DIED")).toBe(
        true,
      );
      expect(rt.spawned).toBe(4); // one try per waiting call
      rt.load = "ok";
      expect(await p.run("echo", { value: 4 })).toBe(4);
      await sleep(5);
      expect(p.stats().live).toBe(3); // healthy again: back to size
      await p.close();
    });
  }

  it("PL9 run never throws: bad arguments and uncloneable input reject", async () => {
    const rt = fakeRuntime();
    const p = pool(rt, { size: 1 });
    await p.run("echo", { value: 0 });
    const bad = [
      () => p.run(42 as unknown as string),
      () => p.run("echo", {}, { timeoutMs: -1 }),
      () => p.run("echo", {}, { signal: {} as AbortSignal }),
    ];
    for (const call of bad) {
      let p2: Promise<unknown> | undefined;
      expect(() => (p2 = call())).not.toThrow();
      expect(isTriloopError(await rejection(p2!), "TRI_ERR_INVALID_ARG")).toBe(true);
    }
    const uncloneable = await rejection(p.run("echo", { value: () => 1 }));
    expect(uncloneable.name).toBe("DataCloneError");
    expect(await p.run("echo", { value: "fine" })).toBe("fine");
    expect(rt.spawned).toBe(1);
    await p.close();
  });

  it("PL10 close drains running and queued tasks, then ends every worker", async () => {
    const rt = fakeRuntime();
    const p = pool(rt, { size: 2 });
    const tasks = [1, 2, 3, 4, 5].map((value) => p.run("echo", { value, ms: 5 }));
    const closed = p.close();
    expect(isTriloopError(await rejection(p.run("echo", { value: 6 })), "TRI_ERR_POOL_CLOSED")).toBe(true);
    expect(await Promise.all(tasks)).toEqual([1, 2, 3, 4, 5]);
    await closed;
    expect(rt.live).toBe(0);
    expect(p.stats().live).toBe(0);
    expect(p.close()).toBe(closed);
  });

  it("PL10 close cancel rejects running and queued tasks; a cancel escalates a drain", async () => {
    const rt = fakeRuntime();
    const p = pool(rt, { size: 1 });
    await p.run("echo", { value: 0 });
    const running = rejection(p.run("hang"));
    const queued = rejection(p.run("echo", { value: 1 }));
    const draining = p.close();
    await sleep(5);
    expect(rt.live).toBe(1); // the hung task keeps the drain waiting
    await p.close({ mode: "cancel" });
    await draining;
    for (const t of [running, queued]) {
      expect(isTriloopError(await t, "TRI_ERR_POOL_CLOSED")).toBe(true);
    }
    expect(rt.live).toBe(0);
  });

  it("PL11 never more than size workers live, through churn", async () => {
    const rt = fakeRuntime();
    const p = pool(rt, { size: 2, maxQueue: 100 });
    const calls = [];
    for (let i = 0; i < 30; i++) {
      const name = ["echo", "die", "crash", "hang"][i % 4];
      calls.push(p.run(name, { value: i, ms: 1 }, { timeoutMs: 10 }).catch((e) => e));
    }
    await Promise.all(calls);
    expect(rt.maxLive).toBeLessThanOrEqual(2);
    await p.close();
    expect(rt.live).toBe(0);
  });

  it("default size leaves a core per loop", () => {
    expect(defaultPoolSize(8)).toBe(7);
    expect(defaultPoolSize(8, 4)).toBe(4);
    expect(defaultPoolSize(2, 2)).toBe(1);
    expect(defaultPoolSize(1)).toBe(1);
    const rt = fakeRuntime(6);
    const p = createPoolOn(rt, { tasks: TASKS, loops: 2 });
    expect(p.size).toBe(4);
    return p.close();
  });

  it("rejects bad options at creation", () => {
    const rt = fakeRuntime();
    expect(() => createPoolOn(rt, { tasks: "tasks.ts" })).toThrow(/absolute path/);
    expect(() => createPoolOn(rt, { tasks: TASKS, size: 0 })).toThrow(/size/);
    expect(() => createPoolOn(rt, { tasks: TASKS, maxQueue: -1 })).toThrow(/maxQueue/);
    expect(rt.spawned).toBe(0);
  });
});
