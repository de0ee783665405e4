// The supervisor's policy against fake loop hosts (LP1, LP4–LP9): what it
// starts, when it respawns and gives up, how it closes and counts.
import { describe, expect, it } from "vitest";
import { startSupervisor, type SupervisorOptions } from "../../core/loops/supervisor.ts";
import { resolveRespawn } from "../../core/loops/policy.ts";
import { isTriloopError } from "../../core/errors.ts";
import type { LoopHosts, ServerStats } from "../../core/types.ts";
import { type Behaviour, counters, fakeHosts } from "./_fake-hosts.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(cond: () => boolean, ms = 2000): Promise<void> {
  const end = performance.now() + ms;
  while (!cond()) {
    if (performance.now() > end) throw new Error("timed out");
    await sleep(2);
  }
}

function options(
  hosts: LoopHosts,
  extra: Partial<SupervisorOptions> = {},
): SupervisorOptions & { lines: string[] } {
  const lines: string[] = [];
  return {
    hosts,
    plan: hosts.plan("auto"),
    count: 2,
    module: "file:///app.ts",
    mode: "entry",
    hostname: "127.0.0.1",
    port: 0,
    respawn: resolveRespawn({ backoffMs: 5, maxBackoffMs: 20, maxDeaths: 3, windowMs: 5_000 }),
    statsIntervalMs: 1000,
    log: (line) => lines.push(line),
    lines,
    ...extra,
  };
}

describe("supervisor", () => {
  it("LP1 the first loop resolves port 0; every other loop joins its port", async () => {
    const { hosts, loops } = fakeHosts();
    const sup = await startSupervisor(options(hosts, { count: 3 }));
    expect(loops.map((l) => l.config?.port)).toEqual([0, sup.port, sup.port]);
    expect(loops.map((l) => l.config?.id)).toEqual([0, 1, 2]);
    expect(loops.every((l) => l.config?.reusePort)).toBe(true);
    await sup.close({ graceMs: 100 });
  });

  it("LP2 one supervised loop starts (and is respawned like any other)", async () => {
    const { hosts, loops } = fakeHosts();
    const sup = await startSupervisor(options(hosts, { count: 1 }));
    expect(sup.stats().loops).toMatchObject({ count: 1, live: 1 });
    loops[0].kill(1);
    await until(() => loops.length === 2 && sup.stats().loops.live === 1);
    await sup.close({ graceMs: 100 });
  });

  it("LP1 round-robin: the supervisor reserves the port before the first loop", async () => {
    const { hosts, loops, reserved } = fakeHosts();
    hosts.plan = () => ({ host: "process", balance: "round-robin", why: "fake" });
    const sup = await startSupervisor(options(hosts));
    expect(reserved).toEqual(["127.0.0.1"]);
    expect(loops[0].config?.port).toBe(sup.port);
    expect(loops.every((l) => l.config?.reusePort === false)).toBe(true);
    await sup.close({ graceMs: 100 });
  });

  it("LP6 a first loop that fails rejects start with TRI_ERR_LOOP_START, and nothing respawns", async () => {
    for (const start of ["fail", "exit"] as const) {
      const { hosts, loops } = fakeHosts(() => ({ start }));
      const err = await startSupervisor(options(hosts)).catch((e) => e);
      expect(isTriloopError(err, "TRI_ERR_LOOP_START"), String(err)).toBe(true);
      if (start === "fail") expect((err as Error).message).toContain("app broke");
      await sleep(30);
      expect(loops.length).toBe(1);
    }
  });

  it("LP6 a first loop that cannot listen rejects start with its own TRI_ERR_LISTEN_FAILED", async () => {
    const { hosts } = fakeHosts(() => ({ start: "fail" }));
    const spawn = hosts.spawn;
    // The loop's error as it crosses the channel: a plain object, the runtime's error as cause.
    hosts.spawn = (plan, handler, name) =>
      spawn(plan, {
        ...handler,
        message(worker, data) {
          const msg = data as { t: string };
          handler.message(
            worker,
            msg.t !== "failed" ? data : {
              t: "failed",
              error: {
                isError: true,
                name: "TriloopError",
                code: "TRI_ERR_LISTEN_FAILED",
                message: "Cannot listen on 127.0.0.1:41000: the address is already in use (EADDRINUSE)",
                cause: { isError: true, name: "Error", message: "in use", code: "EADDRINUSE" },
              },
            },
          );
        },
      }, name);
    const err = await startSupervisor(options(hosts)).catch((e) => e);
    expect(isTriloopError(err, "TRI_ERR_LISTEN_FAILED"), String(err)).toBe(true);
    expect((err as Error).message).toBe(
      "Cannot listen on 127.0.0.1:41000: the address is already in use (EADDRINUSE)",
    );
    expect(((err as Error).cause as { code?: string }).code).toBe("EADDRINUSE");
  });

  it("LP11 the loop that binds while no loop holds the port claims it; the others join", async () => {
    const { hosts, loops } = fakeHosts();
    const sup = await startSupervisor(options(hosts, { count: 3 }));
    expect(loops.map((l) => l.config?.claim)).toEqual([true, false, false]);
    loops[0].kill(1); // the others still hold the port: the new loop joins them
    await until(() => loops.length === 4 && sup.stats().loops.live === 3);
    expect(loops[3].config?.claim).toBe(false);
    await sup.close({ graceMs: 100 });

    const one = fakeHosts();
    const alone = await startSupervisor(options(one.hosts, { count: 1 }));
    one.loops[0].kill(1); // no loop holds the port: the new one claims it again
    await until(() => one.loops.length === 2 && alone.stats().loops.live === 1);
    expect(one.loops.map((l) => l.config?.claim)).toEqual([true, true]);
    await alone.close({ graceMs: 100 });

    const shared = fakeHosts();
    const opted = await startSupervisor(options(shared.hosts, { shared: true }));
    expect(shared.loops.map((l) => l.config?.claim)).toEqual([false, false]);
    await opted.close({ graceMs: 100 });

    const rr = fakeHosts();
    rr.hosts.plan = () => ({ host: "process", balance: "round-robin", why: "fake" });
    const cluster = await startSupervisor(options(rr.hosts));
    expect(rr.loops.map((l) => l.config?.claim)).toEqual([false, false]);
    await cluster.close({ graceMs: 100 });
  });

  it("LP4 a dead loop is respawned with the same id after its backoff", async () => {
    const { hosts, loops } = fakeHosts();
    const o = options(hosts);
    const sup = await startSupervisor(o);
    loops[1].kill(3);
    await until(() => loops.length === 3 && sup.stats().loops.live === 2);
    expect(loops[2].config?.id).toBe(1);
    expect(loops[2].config?.port).toBe(sup.port);
    expect(o.lines[0]).toMatch(/^triloop: loop 1 died \(exit code 3\); respawning in 5 ms$/);
    expect(o.lines[1]).toBe("triloop: loop 1 is back (restart 1)");
    const s = sup.stats().loops;
    expect(s.restarts).toBe(1);
    expect(s.perLoop[1]).toMatchObject({ id: 1, state: "ready", restarts: 1, lastExit: { code: 3 } });
    await sup.close({ graceMs: 100 });
  });

  it("LP5 a loop that keeps dying is given up once, and stats say crash-loop", async () => {
    // Loop 0 is steady; every later spawn for slot 1 dies 5 ms after ready.
    const { hosts, loops } = fakeHosts((i): Behaviour => (i === 0 ? {} : { dieAfterMs: 5 }));
    const o = options(hosts);
    const sup = await startSupervisor(o);
    await until(() => sup.stats().loops.crashLooping.length === 1);
    await sleep(50);
    expect(loops.length).toBe(4); // the first and 3 deaths of slot 1: no fourth respawn
    expect(o.lines.filter((l) => l.includes("crash-looping"))).toEqual([
      expect.stringMatching(
        /^triloop: loop 1 is crash-looping \(3 deaths within 5 s of serving\); not respawning it\. Last death: Error: died on cue/,
      ),
    ]);
    expect(sup.stats().loops).toMatchObject({ live: 1, crashLooping: [1] });
    await sup.close({ graceMs: 100 });
  });

  it("LP5 the window counts uptime: slow starts and backoffs do not hide a crash loop", async () => {
    // Each start of slot 1 takes 40 ms and it dies 2 ms after; a 20 ms wall-clock
    // window would never hold 3 deaths, but they come within 20 ms of serving.
    const { hosts } = fakeHosts((i): Behaviour => (i === 0 ? {} : { readyAfterMs: 40, dieAfterMs: 2 }));
    const o = options(hosts, {
      respawn: resolveRespawn({ backoffMs: 20, maxDeaths: 3, windowMs: 20 }),
    });
    const sup = await startSupervisor(o);
    await until(() => sup.stats().loops.crashLooping.length === 1, 3000);
    await sup.close({ graceMs: 100 });
  });

  it("LP5 when every loop is given up, the supervisor ends", async () => {
    const { hosts } = fakeHosts(() => ({ dieAfterMs: 5 }));
    const o = options(hosts);
    const sup = await startSupervisor(o);
    await Promise.race([sup.ended, sleep(3000).then(() => Promise.reject(new Error("did not end")))]);
    expect(o.lines.at(-1)).toBe("triloop: every loop is crash-looping; the server is down");
  });

  it("LP7 close asks every loop and sums their reports", async () => {
    const { hosts, loops } = fakeHosts((i) => ({ report: { completed: i + 1 } }));
    const sup = await startSupervisor(options(hosts));
    const report = await sup.close({ graceMs: 200 });
    expect(report).toMatchObject({ outcome: "drained", completed: 3, forced: 0 });
    expect(loops.every((l) => l.received.some((m) => m.t === "close" && m.graceMs === 200))).toBe(true);
    expect(sup.stats()).toMatchObject({ requests: 6, connections: { open: 0 } });
    expect(sup.stats().loops.perLoop.map((l) => l.state)).toEqual(["closed", "closed"]);
  });

  it("LP7 a forced loop makes the whole shutdown forced", async () => {
    const { hosts } = fakeHosts((i) => (i === 1 ? { report: { outcome: "forced", forced: 2 } } : {}));
    const sup = await startSupervisor(options(hosts));
    expect(await sup.close({ graceMs: 50 })).toMatchObject({ outcome: "forced", completed: 2, forced: 2 });
  });

  it("LP8 a loop that never reports is ended at graceMs + margin and counted as forced", async () => {
    const { hosts, loops } = fakeHosts((i) => (i === 1 ? { close: "hang", stats: counters(4, 1) } : {}));
    const sup = await startSupervisor(options(hosts, { closeMarginMs: 50 }));
    const t0 = performance.now();
    const report = await sup.close({ graceMs: 100 });
    const ms = performance.now() - t0;
    expect(ms).toBeGreaterThanOrEqual(140);
    expect(ms).toBeLessThan(1000);
    expect(loops[1].terminated).toBe(true);
    expect(report).toMatchObject({ outcome: "forced", completed: 1, forced: 4 });
  });

  it("LP8 a second close with graceMs 0 forces at once", async () => {
    const { hosts } = fakeHosts(() => ({ close: "hang", stats: counters(1, 1) }));
    const sup = await startSupervisor(options(hosts));
    const first = sup.close({ graceMs: 60_000 });
    await sleep(10);
    const t0 = performance.now();
    const second = sup.close({ graceMs: 0 });
    expect(second).toBe(first);
    expect(await first).toMatchObject({ outcome: "forced", forced: 2 });
    expect(performance.now() - t0).toBeLessThan(1000);
  });

  it("LP8 a loop that dies while draining counts as forced; no respawn during close", async () => {
    const { hosts, loops } = fakeHosts((i) => (i === 0 ? { close: "hang", stats: counters(3, 0) } : {}));
    const sup = await startSupervisor(options(hosts));
    const closing = sup.close({ graceMs: 5_000 });
    await sleep(10);
    loops[0].kill(1);
    expect(await closing).toMatchObject({ outcome: "forced", forced: 3, completed: 1 });
    expect(loops.length).toBe(2);
  });

  it("LP9 stats sum the live loops and the retired ones; collectStats asks first", async () => {
    const { hosts, loops } = fakeHosts();
    const sup = await startSupervisor(options(hosts));
    await until(() => (sup.stats() as ServerStats).requests === 4);
    expect(sup.stats()).toMatchObject({ requests: 4, connections: { open: 2 } });
    loops[0].kill(1);
    await until(() => sup.stats().loops.live === 2 && loops.length === 3);
    await until(() => (sup.stats() as ServerStats).requests === 6);
    // The dead loop's 2 requests stay counted; its open connection does not.
    expect(sup.stats()).toMatchObject({ requests: 6, connections: { open: 2 } });
    await sup.collectStats();
    expect([loops[1], loops[2]].map((l) => l.received.at(-1)?.t)).toEqual(["stats", "stats"]);
    await sup.close({ graceMs: 100 });
  });

  it("WS8 a loop's publish goes to every other serving loop, in the order it was sent", async () => {
    const { hosts, loops } = fakeHosts();
    const sup = await startSupervisor(options(hosts, { count: 3 }));
    const pub = (i: number) => ({
      t: "publish",
      port: sup.port,
      topic: "room",
      binary: false,
      payload: new Uint8Array([i]),
    });
    for (let i = 0; i < 5; i++) loops[1].say(pub(i));
    await until(() => loops[0].received.filter((m) => m.t === "publish").length === 5);
    await until(() => loops[2].received.filter((m) => m.t === "publish").length === 5);
    for (const l of [loops[0], loops[2]]) {
      const got = l.received.flatMap((m) => (m.t === "publish" ? [m.payload[0]] : []));
      expect(got).toEqual([0, 1, 2, 3, 4]);
    }
    expect(loops[1].received.some((m) => m.t === "publish")).toBe(false);
    // A loop that is not serving (dead, respawning) gets none.
    loops[2].kill(1);
    await until(() => sup.stats().loops.live === 2);
    loops[0].say(pub(9));
    await until(() => loops[1].received.some((m) => m.t === "publish"));
    expect(loops[2].received.filter((m) => m.t === "publish").length).toBe(5);
    await sup.close({ graceMs: 100 });
  });
});
