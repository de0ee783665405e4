/**
 * The offload pool conformance suite: every invariant of `Pool` (P*) and of
 * the worker handle under it (T1–T4) as a case of the same name, run on every
 * runtime by `pool.runner.ts` with real workers and the plain TypeScript
 * tasks module `tests/fixtures/pool/tasks.ts`. Most cases share one pool,
 * and each ends by checking that it still serves (PL12).
 *
 * @module
 */

import assert from "node:assert/strict";
import process from "node:process";
import { isTriloopError } from "../../core/errors.ts";
import type { Pool, Runtime, WorkerExit } from "../../core/types.ts";
import type * as Tasks from "../fixtures/pool/tasks.ts";
import { type Case, deferred, sleep, until } from "./harness.ts";

const TASKS = new URL("../fixtures/pool/tasks.ts", import.meta.url);
const ECHO_WORKER = new URL("../fixtures/pool/echo-worker.ts", import.meta.url);
/** Must match `THROW_ON_LOAD` in the fixture (not imported: that would load it here). */
const THROW_ON_LOAD = "TRILOOP_POOL_FIXTURE_THROW_ON_LOAD";
const SIZE = 2;

let shared: Pool<typeof Tasks> | undefined;

/** The pool most cases share, created on first use. */
function pool(rt: Runtime): Pool<typeof Tasks> {
  return (shared ??= rt.createPool<typeof Tasks>({ tasks: TASKS, size: SIZE }));
}

/** PL12: after whatever the case did, the pool runs the next task. */
async function stillServes(p: Pool<typeof Tasks>): Promise<void> {
  assert.equal(await p.run("add", { a: 20, b: 22 }), 42, "the pool serves the next task");
  const s = p.stats();
  assert.ok(s.live <= s.size, `live ${s.live} <= size ${s.size} (PL11)`);
}

async function rejects(promise: Promise<unknown>, code: string, what: string): Promise<any> {
  try {
    await promise;
  } catch (err) {
    assert.ok(isTriloopError(err), `${what}: expected a TriloopError, got ${err}`);
    assert.equal((err as { code: string }).code, code, `${what}: ${(err as Error).message}`);
    return err;
  }
  assert.fail(`${what}: expected a rejection with ${code}`);
}

/** Settles-at-once probe: true if `promise` settled within a few macrotasks. */
async function settlesAtOnce(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  promise.then(() => (settled = true), () => (settled = true));
  await sleep(1);
  return settled;
}

export const poolSuite: Case[] = [
  {
    name: "PL1 result",
    async run(rt) {
      const p = pool(rt);
      assert.equal(p.size, SIZE);
      assert.equal(p.stats().live, SIZE, "workers start before the first run");
      assert.equal(await p.run("add", { a: 1, b: 2 }), 3);
      assert.equal(await p.run("sleepThen", { ms: 5, value: "async" }), "async");
      const value = { n: 1, list: [1, "two", null], when: new Date(0), map: new Map([["k", 1]]) };
      assert.deepEqual(await p.run("echo", value), value, "a structured clone");
      const many = await Promise.all(Array.from({ length: 20 }, (_, i) => p.run("add", { a: i, b: i })));
      assert.deepEqual(many, Array.from({ length: 20 }, (_, i) => 2 * i));
      await stillServes(p);
    },
  },
  {
    name: "PL2 task-error",
    async run(rt) {
      const p = pool(rt);
      const before = p.stats().restarts;
      const [bad, good] = await Promise.allSettled([
        p.run("fail", "bad input"),
        p.run("add", { a: 1, b: 1 }),
      ]);
      assert.equal(good.status, "fulfilled");
      assert.equal(bad.status, "rejected");
      const err: any = (bad as PromiseRejectedResult).reason;
      assert.equal(err.constructor, RangeError, `class kept: ${err}`);
      assert.equal(err.name, "RangeError");
      assert.equal(err.message, "bad input");
      assert.equal(err.code, "E_FIXTURE");
      assert.match(err.stack, /tasks\.ts/, "the stack is the worker's");
      const asyncErr: any = await p.run("failAsync", "later").catch((e: any) => e);
      assert.equal(asyncErr.name, "FixtureError");
      assert.equal(asyncErr.message, "later");
      assert.match(asyncErr.stack, /tasks\.ts/);
      assert.equal(await p.run("throwString").catch((e) => e), "a plain string");
      assert.equal(p.stats().restarts, before, "a task error does not replace its worker");
      await stillServes(p);
    },
  },
  {
    name: "PL3 transfer-moves",
    async run(rt) {
      const p = pool(rt);
      const moved = new Uint8Array([1, 2, 3, 4]).buffer;
      const sum = p.run("sum", moved, { transfer: [moved] });
      assert.equal(moved.byteLength, 0, "the source is detached once run returns");
      assert.deepEqual(await sum, { sum: 10, length: 4 });
      const copied = new Uint8Array([5, 5]).buffer;
      assert.deepEqual(await p.run("sum", copied), { sum: 10, length: 2 });
      assert.equal(copied.byteLength, 2, "without transfer, a copy");
      const back = await p.run("filled", { n: 1024, fill: 7 });
      assert.ok(back instanceof Uint8Array && back.byteLength === 1024 && back[1023] === 7, "moved back");
      // Queued, not yet running: detached at once all the same.
      await until(() => p.stats().live === SIZE && p.stats().starting === 0, "every worker ready");
      const busy = Array.from({ length: SIZE }, () => p.run("sleepThen", { ms: 300, value: 0 }));
      await until(() => p.stats().busy === SIZE, "every worker busy");
      const queued = new Uint8Array(64 * 1024).fill(1).buffer;
      const result = p.run("sum", queued, { transfer: [queued] });
      assert.equal(p.stats().queued, 1);
      assert.equal(queued.byteLength, 0, "a queued task's buffer is detached at once");
      assert.deepEqual(await result, { sum: 64 * 1024, length: 64 * 1024 });
      await Promise.all(busy);
      await stillServes(p);
    },
  },
  {
    name: "PL4 abort-queued",
    async run(rt) {
      const p = rt.createPool<typeof Tasks>({ tasks: TASKS, size: 1 });
      try {
        await p.run("add", { a: 0, b: 0 });
        const running = p.run("sleepThen", { ms: 300, value: "first" });
        const ac = new AbortController();
        const queued = p.run("sleepThen", { ms: 0, value: "never" }, { signal: ac.signal });
        ac.abort(new Error("not needed"));
        assert.ok(await settlesAtOnce(queued), "rejects at once");
        const err = await rejects(queued, "TRI_ERR_POOL_ABORTED", "aborted while queued");
        assert.equal(err.cause.message, "not needed");
        assert.equal(await running, "first", "the running task is untouched");
        const pre = p.run("add", { a: 1, b: 1 }, { signal: AbortSignal.abort() });
        await rejects(pre, "TRI_ERR_POOL_ABORTED", "an already aborted signal");
        assert.equal(p.stats().aborted, 2);
        assert.equal(p.stats().restarts, 0, "no worker was replaced");
        await stillServes(p);
      } finally {
        await p.close({ mode: "cancel" });
      }
    },
  },
  {
    name: "PL5 abort-running",
    async run(rt) {
      const p = pool(rt);
      const before = p.stats().restarts;
      const ac = new AbortController();
      // A bounded spin (not an endless loop): on a runtime that cannot stop a
      // busy worker (capabilities.terminateBusyWorker) it still ends by itself.
      const running = p.run("spin", 3000, { signal: ac.signal });
      await until(() => p.stats().busy > 0, "the task to start");
      await sleep(20);
      ac.abort();
      assert.ok(await settlesAtOnce(running), "rejects at once");
      await rejects(running, "TRI_ERR_POOL_ABORTED", "aborted while running");
      await stillServes(p);
      await until(() => p.stats().restarts > before, "the worker to be replaced");
    },
  },
  {
    name: "PL7 queue-full",
    async run(rt) {
      const p = rt.createPool<typeof Tasks>({ tasks: TASKS, size: 1, maxQueue: 2 });
      try {
        await p.run("add", { a: 0, b: 0 });
        const running = p.run("sleepThen", { ms: 100, value: 1 });
        const queued = [p.run("add", { a: 1, b: 1 }), p.run("add", { a: 2, b: 2 })];
        const full = p.run("add", { a: 3, b: 3 });
        assert.ok(await settlesAtOnce(full), "rejects at once");
        await rejects(full, "TRI_ERR_POOL_FULL", "past maxQueue");
        assert.deepEqual(await Promise.all([running, ...queued]), [1, 2, 4]);
        assert.equal(p.stats().rejectedFull, 1);
        await stillServes(p);
      } finally {
        await p.close();
      }
    },
  },
  {
    name: "PL8 worker-died exit",
    async run(rt) {
      const p = pool(rt);
      const err = await rejects(p.run("exit", 3), "TRI_ERR_POOL_WORKER_DIED", "process.exit(3) in a task");
      assert.match(err.message, /exit code 3/, "the exit code is told");
      await stillServes(p);
    },
  },
  {
    name: "PL8 worker-died uncaught",
    async run(rt) {
      const p = pool(rt);
      const err = await rejects(p.run("crashLater"), "TRI_ERR_POOL_WORKER_DIED", "an uncaught exception");
      assert.equal(err.cause?.message, "tasks fixture: uncaught in a timer");
      assert.match(err.cause?.stack ?? "", /tasks\.ts/, "the cause keeps the worker's stack");
      await stillServes(p);
    },
  },
  {
    name: "PL8 worker-died rejection",
    async run(rt) {
      const p = pool(rt);
      const err = await rejects(
        p.run("rejectUnhandled"),
        "TRI_ERR_POOL_WORKER_DIED",
        "an unhandled rejection",
      );
      assert.equal(err.cause?.message, "tasks fixture: unhandled rejection");
      await stillServes(p);
    },
  },
  {
    name: "PL8 worker-died load",
    async run(rt) {
      process.env[THROW_ON_LOAD] = "1";
      const p = rt.createPool<typeof Tasks>({ tasks: TASKS, size: 1, onError: () => {} });
      try {
        const err = await rejects(
          p.run("add", { a: 1, b: 1 }),
          "TRI_ERR_POOL_WORKER_DIED",
          "a module that throws",
        );
        assert.equal(err.cause?.message, "tasks fixture: failing at load on purpose");
        assert.match(err.cause?.stack ?? "", /tasks\.ts/);
        // The dead worker's exit is seen when the runtime reports it (slower on a
        // loaded machine); after that no new one may start while nothing waits.
        await until(() => p.stats().live === 0, "the dead worker gone", 5_000);
        await sleep(200);
        assert.equal(p.stats().live, 0, "no restart storm while nothing waits");
        await rejects(p.run("add", { a: 1, b: 1 }), "TRI_ERR_POOL_WORKER_DIED", "still failing");
        delete process.env[THROW_ON_LOAD];
        await stillServes(p); // a fresh worker loads the module again
      } finally {
        delete process.env[THROW_ON_LOAD];
        await p.close({ mode: "cancel" });
      }
    },
  },
  {
    name: "PL9 settle-once",
    async run(rt) {
      const p = pool(rt);
      let call: Promise<unknown> | undefined;
      assert.doesNotThrow(() => (call = p.run(42 as unknown as "add")));
      await rejects(call!, "TRI_ERR_INVALID_ARG", "a bad name");
      const unknown = await p.run("nope" as "add").catch((e) => e);
      assert.ok(unknown instanceof TypeError && /No task named "nope"/.test(unknown.message), `${unknown}`);
      const input: any = await p.run("echo", { fn: () => 1 }).catch((e: any) => e);
      assert.equal(input?.name, "DataCloneError", `an uncloneable input: ${input}`);
      const result: any = await p.run("uncloneable").catch((e: any) => e);
      assert.equal(result?.name, "DataCloneError", `an uncloneable result: ${result}`);
      // Settling exactly once, counted: every call above settled, none twice.
      const s = p.stats();
      assert.equal(s.busy + s.queued, 0, "nothing left in flight");
      await stillServes(p);
    },
  },
  {
    name: "PL10 close drain",
    async run(rt) {
      const p = rt.createPool<typeof Tasks>({ tasks: TASKS, size: 1 });
      const tasks = [1, 2, 3].map((value) => p.run("sleepThen", { ms: 20, value }));
      const closed = p.close();
      await rejects(p.run("add", { a: 1, b: 1 }), "TRI_ERR_POOL_CLOSED", "run after close");
      assert.deepEqual(await Promise.all(tasks), [1, 2, 3], "queued and running tasks finish");
      await closed;
      assert.equal(p.stats().live, 0, "every worker ended (PL11)");
      assert.equal(p.close(), closed, "idempotent");
    },
  },
  {
    name: "PL10 close cancel",
    async run(rt) {
      const p = rt.createPool<typeof Tasks>({ tasks: TASKS, size: 1 });
      await p.run("add", { a: 0, b: 0 });
      const running = rejects(
        p.run("sleepThen", { ms: 10_000, value: "late" }),
        "TRI_ERR_POOL_CLOSED",
        "running",
      );
      const queued = rejects(p.run("add", { a: 1, b: 1 }), "TRI_ERR_POOL_CLOSED", "queued");
      const draining = p.close();
      await sleep(20);
      await p.close({ mode: "cancel" }); // escalates the drain
      await draining;
      await Promise.all([running, queued]);
      assert.equal(p.stats().live, 0);
    },
  },
  {
    name: "T1 exit-once-last",
    async run(rt) {
      const seen: string[] = [];
      const exited = deferred<WorkerExit>();
      const w = rt.spawnWorker(ECHO_WORKER, {
        message: (_w, data) => seen.push(`message ${data}`),
        exit: (_w, info) => {
          seen.push("exit");
          exited.resolve(info);
        },
      });
      await until(() => seen.length > 0, "the worker to be ready");
      w.post("hello");
      await until(() => seen.length > 1, "the echo");
      w.terminate();
      w.post("after terminate");
      await exited.promise;
      w.post("after exit");
      w.terminate();
      await sleep(50);
      assert.deepEqual(seen, ["message ready", "message echo:hello", "exit"]);
    },
  },
  {
    name: "T4 self-exit-seen",
    async run(rt) {
      const exited = deferred<WorkerExit>();
      const ready = deferred<void>();
      const w = rt.spawnWorker(ECHO_WORKER, {
        message: () => ready.resolve(),
        exit: (_w, i) => exited.resolve(i),
      });
      await ready.promise;
      w.post("exit:9"); // process.exit(9) inside the worker
      const info = await exited.promise;
      assert.equal(info.code, 9, "the exit code is told");
      assert.equal(info.error, undefined, "an exit is not an error");
    },
  },
  {
    name: "T2 terminate-later",
    async run(rt) {
      let exits = 0;
      const exited = deferred<void>();
      const w = rt.spawnWorker(ECHO_WORKER, {
        message() {},
        exit() {
          exits++;
          exited.resolve();
        },
      });
      w.terminate();
      w.terminate();
      assert.equal(exits, 0, "exit never runs inside terminate");
      await exited.promise;
      await sleep(30);
      assert.equal(exits, 1);
    },
  },
  {
    name: "T3 errors-contained",
    async run(rt) {
      const exited = deferred<WorkerExit>();
      const ready = deferred<void>();
      const w = rt.spawnWorker(ECHO_WORKER, {
        message: () => ready.resolve(),
        exit: (_w, info) => exited.resolve(info),
      });
      await ready.promise;
      w.post("throw");
      const info = await exited.promise;
      assert.equal((info.error as Error)?.message, "echo worker: thrown on request");
      assert.match((info.error as Error)?.stack ?? "", /echo-worker\.ts/);
    },
  },
  {
    // Last but one: where a runtime cannot stop a busy thread (recorded in
    // capabilities.terminateBusyWorker), the endless loop spins until exit.
    name: "PL6 timeout-running",
    async run(rt) {
      const p = pool(rt);
      const before = p.stats();
      // Time spent queued does not count: two long tasks fill the pool, then
      // a task with a short timeout waits behind them and still succeeds.
      const busy = Array.from({ length: SIZE }, () => p.run("sleepThen", { ms: 150, value: 0 }));
      const patient = p.run("add", { a: 2, b: 2 }, { timeoutMs: 100 });
      assert.equal(await patient, 4, "queue time is not running time");
      await Promise.all(busy);
      const err = await rejects(
        p.run("forever", undefined, { timeoutMs: 200 }),
        "TRI_ERR_POOL_TIMEOUT",
        "an endless loop",
      );
      assert.match(err.message, /200 ms/);
      await stillServes(p);
      await until(() => p.stats().restarts > before.restarts, "the worker to be replaced");
      assert.equal(p.stats().timedOut, before.timedOut + 1);
      const cap = rt.capabilities.terminateBusyWorker;
      if (cap === true) {
        // Every worker ready (so none is busy loading), then the looping
        // thread must be really gone: the process idles.
        await until(() => p.stats().live === SIZE && p.stats().starting === 0, "every worker ready");
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        await sleep(500);
        const used = process.cpuUsage(c0);
        const cpuMs = (used.user + used.system) / 1000;
        const wallMs = performance.now() - t0;
        assert.ok(cpuMs < wallMs * 0.5, `idle CPU ${cpuMs.toFixed(0)} ms over ${wallMs.toFixed(0)} ms`);
      } else {
        assert.ok(cap.reason.length > 0, "recorded as data, with the reason");
      }
    },
  },
  {
    name: "PL11 no-leak",
    async run(rt) {
      const p = pool(rt);
      await stillServes(p);
      await p.close();
      assert.equal(p.stats().live, 0, "no worker after close");
      shared = undefined;
    },
  },
];
