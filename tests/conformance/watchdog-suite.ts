/**
 * The stall watchdog conformance suite: every invariant of `Watchdog` (W*)
 * as a case of the same name, run on every runtime by `watchdog.runner.ts`.
 * The labelled work is a TCP connection handler on the runtime under test,
 * labelled the way a server labels it: `enter(label)` before the call.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { Runtime, Stall, Watchdog } from "../../core/types.ts";
import { startWatchdog } from "../../core/watchdog.ts";
import { type Case, deferred, sleep, until } from "./harness.ts";

const HOST = "127.0.0.1";

/** Busy-waits `ms` on this thread: the loop can do nothing else meanwhile. */
function block(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // spin
  }
}

function watch(options: Parameters<typeof startWatchdog>[0] = {}) {
  const stalls: Stall[] = [];
  const lines: string[] = [];
  const wd = startWatchdog({
    stallMs: 100,
    onStall: (s) => stalls.push(s),
    log: (l) => lines.push(l),
    ...options,
  });
  return { wd, stalls, lines };
}

/**
 * A server whose handler labels itself and then runs `work`, and one client
 * request to it; resolves once the reply came back.
 */
async function labelledRequest(rt: Runtime, wd: Watchdog, label: string, work: () => void | Promise<void>) {
  const listener = await rt.listen({ hostname: HOST, port: 0 }, {
    async data(conn) {
      wd.enter(label); // what a server does before calling user code
      await work();
      conn.end("done");
    },
  });
  const replied = deferred<void>();
  const client = await rt.connect({ hostname: HOST, port: listener.port }, {
    data() {},
    close: () => replied.resolve(),
    end: (c) => c.end(),
  });
  client.write("go");
  await replied.promise;
  await listener.close();
}

export const watchdogSuite: Case[] = [
  {
    name: "WD2 stall-named",
    async run(rt) {
      const { wd, stalls } = watch();
      try {
        await sleep(60);
        await labelledRequest(rt, wd, "tcp:block", () => block(200));
        await sleep(60);
        const mine = stalls.filter((s) => s.label === "tcp:block");
        assert.equal(mine.length, 1, `one stall named "tcp:block": ${JSON.stringify(stalls)}`);
        // The tick was due at most one interval (20 ms) after the block began.
        assert.ok(mine[0].delayMs >= 170 && mine[0].delayMs < 1000, `delay near 200 ms: ${mine[0].delayMs}`);
        assert.ok(mine[0].since > 0 && mine[0].since < performance.now());
        assert.equal(wd.stats().byLabel["tcp:block"], 1);
      } finally {
        wd.stop();
      }
    },
  },
  {
    name: "WD2 stall-named among cheap requests of the same batch",
    async run(rt) {
      // Three connections write at once, so the server reads them in one
      // batch: two handlers block 150 ms each, one is cheap, in whatever
      // order the runtime delivers them.
      const { wd, stalls, lines } = watch();
      const listener = await rt.listen({ hostname: HOST, port: 0 }, {
        data(conn, bytes) {
          const what = new TextDecoder().decode(bytes);
          wd.enter(`tcp:${what}`);
          if (what.startsWith("block")) block(150);
          conn.end("done");
        },
      });
      try {
        const names = ["block-1", "cheap", "block-2"];
        const replies = names.map(() => deferred<void>());
        const clients = await Promise.all(
          names.map((_, i) =>
            rt.connect({ hostname: HOST, port: listener.port }, {
              data() {},
              close: () => replies[i].resolve(),
              end: (c) => c.end(),
            })
          ),
        );
        await until(() => listener.stats().open === 3, "three accepted connections");
        await sleep(60);
        clients.forEach((c, i) => c.write(names[i]));
        await Promise.all(replies.map((r) => r.promise));
        await sleep(60);
        const named = stalls.map((s) => s.label);
        for (const label of ["tcp:block-1", "tcp:block-2"]) {
          const mine = stalls.filter((s) => s.label === label);
          assert.equal(mine.length, 1, `one stall named "${label}": ${JSON.stringify(stalls)}`);
          assert.ok(
            mine[0].delayMs >= 120 && mine[0].delayMs < 1000,
            `${label} held ~150 ms: ${mine[0].delayMs}`,
          );
          // Separate stalls, separate lines.
          assert.equal(lines.filter((l) => l.includes(`"${label}"`)).length, 1, JSON.stringify(lines));
        }
        assert.ok(
          !named.includes("tcp:cheap"),
          `the cheap request is never named: ${JSON.stringify(stalls)}`,
        );
      } finally {
        wd.stop();
        await listener.close();
      }
    },
  },
  {
    name: "WD2 stall-named in the warm-up",
    async run() {
      // Start-up time is not a stall, but a label that blocks is, from the first moment.
      const { wd, stalls, lines } = watch({ warmupMs: 10_000 });
      try {
        await sleep(60);
        block(150); // unlabelled (no label since the last tick)
        await sleep(60);
        wd.enter("early");
        block(150);
        await sleep(60);
        assert.deepEqual(stalls.map((s) => s.label), ["early"], JSON.stringify(stalls));
        assert.equal(lines.length, 1);
        assert.match(lines[0], /blocked \d+ ms by "early"$/);
      } finally {
        wd.stop();
      }
    },
  },
  {
    name: "WD4 await-not-stall",
    async run(rt) {
      const { wd, stalls } = watch();
      try {
        await sleep(60);
        await labelledRequest(rt, wd, "tcp:await", () => sleep(200));
        await sleep(60);
        const mine = stalls.filter((s) => s.label === "tcp:await");
        assert.deepEqual(mine, [], "awaiting a 200 ms timer is not a stall");
        assert.equal(wd.current, undefined, "the tick cleared the label");
      } finally {
        wd.stop();
      }
    },
  },
  {
    name: "WD1 delay-measured",
    async run() {
      const { wd } = watch({ log: false });
      try {
        // Five ticks take 100 ms on a quiet machine; a loaded one may starve
        // the process for a while, which is not what this case measures.
        await until(() => wd.stats().ticks >= 5, "five ticks", 10_000);
        const quiet = wd.stats();
        assert.ok(quiet.p50Ms < 50, `a quiet loop's p50 is small: ${quiet.p50Ms}`);
        block(150);
        await sleep(60);
        const s = wd.stats();
        assert.ok(s.maxMs >= 120, `max ${s.maxMs}`);
        assert.ok(s.p99Ms >= 120 && s.p99Ms <= s.maxMs, `p99 ${s.p99Ms} of max ${s.maxMs}`);
        assert.ok(s.p50Ms <= s.p99Ms);
      } finally {
        wd.stop();
      }
    },
  },
  {
    name: "WD3 stall-once",
    async run() {
      const { wd, stalls, lines } = watch();
      try {
        await sleep(60);
        wd.enter("plain:first");
        block(150);
        await sleep(60);
        const first = stalls.filter((s) => s.label === "plain:first");
        assert.equal(first.length, 1, "told to onStall once");
        const named = lines.filter((l) => l.includes('"plain:first"'));
        assert.equal(named.length, 1, `logged once: ${JSON.stringify(lines)}`);
        assert.match(named[0], /^triloop: the event loop was blocked \d+ ms by "plain:first"$/);
        // A second stall soon after is told and logged at once, in a line of its own.
        wd.enter("plain:second");
        block(150);
        await sleep(60);
        assert.equal(stalls.filter((s) => s.label === "plain:second").length, 1);
        const second = lines.filter((l) => l.includes('"plain:second"'));
        assert.deepEqual(second.length, 1, `logged once: ${JSON.stringify(lines)}`);
        assert.match(second[0], /^triloop: the event loop was blocked \d+ ms by "plain:second"$/);
        assert.equal(wd.stats().stalls, stalls.length);
      } finally {
        wd.stop();
      }
    },
  },
  {
    name: "WD5 overloaded",
    async run() {
      const { wd } = watch({ stallMs: 1000, shedMs: 30, log: false });
      const off = watch({ stallMs: 1000, log: false });
      try {
        await sleep(60);
        assert.equal(wd.overloaded, false, "a quiet loop is not overloaded");
        let seen = false;
        const end = performance.now() + 2000;
        while (!seen && performance.now() < end) {
          block(80); // sustained: most of each period is spent blocked
          await sleep(1);
          seen = wd.overloaded;
        }
        assert.ok(seen, `overloaded under sustained delay (smoothed ${wd.stats().smoothedMs.toFixed(1)} ms)`);
        assert.equal(off.wd.overloaded, false, "never without shedMs");
        await until(() => !wd.overloaded, "overloaded to clear once the loop is quiet", 3000);
        assert.ok(wd.stats().smoothedMs < 15, "cleared below shedMs / 2");
      } finally {
        wd.stop();
        off.wd.stop();
      }
    },
  },
  {
    name: "WD6 stop",
    async run() {
      const { wd, stalls } = watch();
      await sleep(60);
      wd.stop();
      wd.stop();
      const ticks = wd.stats().ticks;
      wd.enter("after:stop");
      block(150);
      await sleep(60);
      assert.equal(wd.stats().ticks, ticks, "no tick after stop");
      assert.deepEqual(stalls, [], "no stall after stop");
    },
  },
];
