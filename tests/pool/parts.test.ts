// The pool's small parts: the ring queue, the histogram, errors across the
// worker boundary, and the worker-side task host (on an in-process port, with
// the conformance suite's real tasks module).
import { describe, expect, it } from "vitest";
import { hostTasks } from "../../core/pool/host.ts";
import { FAIL, LOAD_FAILED, OK, READY } from "../../core/pool/protocol.ts";
import { RingQueue } from "../../core/pool/queue.ts";
import { fromWire, toWire, type WireError } from "../../core/_shared/wire-error.ts";
import type { ParentPort } from "../../core/types.ts";

describe("RingQueue", () => {
  it("is FIFO through growth and wrap-around", () => {
    const q = new RingQueue<number>(2);
    const out: number[] = [];
    for (let i = 0; i < 50; i++) {
      q.push(i);
      if (i % 3 === 0) out.push(q.shift()!);
    }
    out.push(...q.drain());
    expect(out).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(q.length).toBe(0);
    expect(q.shift()).toBeUndefined();
  });

  it("removes from anywhere, keeping order", () => {
    const q = new RingQueue<string>(4);
    for (const s of ["x", "a", "b", "c"]) q.push(s);
    q.shift();
    q.push("d"); // wrapped
    expect(q.remove("b")).toBe(true);
    expect(q.remove("zz")).toBe(false);
    expect(q.length).toBe(3);
    expect(q.drain()).toEqual(["a", "c", "d"]);
  });
});

describe("errors across the boundary", () => {
  it("keep class, name, message, stack, code and cause", () => {
    const cause = new Error("root");
    const err = Object.assign(new TypeError("bad", { cause }), { code: "E_X" });
    const back = fromWire(structuredClone(toWire(err))) as TypeError & { code: string };
    expect(back).toBeInstanceOf(TypeError);
    expect(back.message).toBe("bad");
    expect(back.stack).toBe(err.stack);
    expect(back.code).toBe("E_X");
    expect((back.cause as Error).message).toBe("root");
  });

  it("keep custom names on a plain Error, and non-Error throws as values", () => {
    class MyError extends Error {
      override name = "MyError";
    }
    const back = fromWire(toWire(new MyError("m"))) as Error;
    expect(back.name).toBe("MyError");
    expect(String(back)).toBe("MyError: m");
    expect(fromWire(toWire("just a string"))).toBe("just a string");
    expect(fromWire(toWire(42))).toBe(42);
    expect(fromWire(structuredClone(toWire({ weird: () => 1 })))).toBe("[object Object]");
  });
});

describe("task host", () => {
  function port() {
    const sent: unknown[] = [];
    let receive!: (data: unknown) => void;
    const p: ParentPort = {
      post: (m) => sent.push(structuredClone(m)),
      listen: (r) => (receive = r),
    };
    return { p, sent, send: (m: unknown) => receive(m) };
  }
  const until = async (cond: () => boolean) => {
    for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  };
  const TASKS = new URL("../fixtures/pool/tasks.ts", import.meta.url).href;

  it("loads the module, holds tasks that came early, answers each once", async () => {
    const { p, sent, send } = port();
    hostTasks(p);
    send([0, TASKS]);
    send([1, "add", { a: 2, b: 3 }]);
    await until(() => sent.length >= 2);
    expect(sent[0]).toEqual([0, READY]);
    expect(sent[1]).toEqual([1, OK, 5]);
    send([2, "sleepThen", { ms: 1, value: "later" }]);
    await until(() => sent.length >= 3);
    expect(sent[2]).toEqual([2, OK, "later"]);
    send([3, "fail", "nope"]);
    send([4, "nope"]);
    send([5, "uncloneable"]);
    send([6, "failAsync", "async nope"]);
    await until(() => sent.length >= 7);
    const [three, four, five, six] = sent.slice(3) as [number, number, WireError][];
    expect(three.slice(0, 2)).toEqual([3, FAIL]);
    expect(fromWire(three[2])).toMatchObject({ name: "RangeError", message: "nope", code: "E_FIXTURE" });
    expect((fromWire(four[2]) as Error).message).toMatch(/No task named "nope"/);
    expect((fromWire(five[2]) as Error).name).toBe("DataCloneError");
    expect(fromWire(six[2])).toMatchObject({ name: "FixtureError", message: "async nope" });
  });

  it("reports a module that fails to load", async () => {
    const { p, sent, send } = port();
    hostTasks(p);
    send([0, new URL("../fixtures/pool/does-not-exist.ts", import.meta.url).href]);
    await until(() => sent.length >= 1);
    expect((sent[0] as unknown[]).slice(0, 2)).toEqual([0, LOAD_FAILED]);
  });
});
