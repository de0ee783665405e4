/**
 * The HTTP part of a session. Every server is started once and kept warm for
 * the whole session, and runs are interleaved (`lib/interleave.ts`).
 *
 * Why warm and not fresh per round: a fresh start puts JIT compilation and
 * the first allocations of the heap into whichever run comes first, and
 * costs seconds per server per round that the 5-minute budget needs for
 * measuring; production servers are warm. What keeping them warm costs —
 * one run's garbage may be collected in the next — is spread evenly by the
 * interleaving, and the peak RSS of a run is sampled during that run, not
 * read from the never-falling VmHWM.
 *
 * @module
 */

import { wrkCannot } from "../drivers/wrk.ts";
import { interleave } from "../lib/interleave.ts";
import type { LoadResult } from "../load/generator.ts";
import { errorTotal } from "../load/job.ts";
import type { HttpScenario } from "../scenarios.ts";
import type { ServerSpec } from "../servers/matrix.ts";
import type { Running } from "../servers/spawn.ts";
import { type Context, failedRecord, progressText, record, sleep, start } from "./context.ts";
import { httpJob, httpRun } from "./http-run.ts";
import { fastestServer, wrkCheck } from "./wrk-check.ts";

/** Starts the servers that are not skipped; records why the others did not start. */
export async function startAll(ctx: Context, servers: ServerSpec[]): Promise<Map<string, Running>> {
  const running = new Map<string, Running>();
  for (const spec of servers) {
    if (spec.skip !== undefined) continue;
    ctx.progress.update(`starting ${spec.key}`, true);
    // Two tries: in a checkout other people are editing, a start can fail once.
    for (let attempt = 1; attempt <= 2 && !running.has(spec.key); attempt++) {
      try {
        running.set(spec.key, await start(ctx, spec));
      } catch (err) {
        if (attempt < 2) continue;
        const text = firstError((err as Error).message);
        const unbuilt = /being built|not (yet )?implemented|not built|unknown engine/i.test(text);
        spec.skip = `${unbuilt ? "not built yet" : "failed to start"}: ${text}`;
        ctx.progress.log(`  ${spec.key}: ${spec.skip}`);
      }
    }
  }
  return running;
}

/** The line of a failed start's output that says what went wrong (not a stack frame). */
export function firstError(output: string): string {
  // deno-lint-ignore no-control-regex
  const lines = output.replace(/\x1b\[[0-9;]*m/g, "").split("\n").map((l) => l.trim()).filter(Boolean);
  const said = lines.find((l) => /error|cannot|not |unknown|unsupported/i.test(l) && !l.startsWith("at "));
  return (said ?? lines.find((l) => !l.startsWith("at ")) ?? "no output").slice(0, 200);
}

/** Runs every HTTP scenario on every server, interleaved, for the configured rounds. */
export async function runHttp(ctx: Context, servers: ServerSpec[], scenarios: HttpScenario[]): Promise<void> {
  const running = await startAll(ctx, servers);
  try {
    // JIT warm-up: a short unmeasured run per server before anything counts.
    for (const spec of servers) {
      const server = running.get(spec.key);
      if (server === undefined) continue;
      ctx.progress.update(`warming ${spec.key}`, true);
      await ctx.gen.start(httpJob(ctx, scenarios[0], server.port));
      await sleep(Math.min(1000, ctx.cfg.warmupMs * 2));
      await ctx.gen.stop();
    }
    const groups = scenarios.map((s) => {
      const cannot = ctx.cfg.driver === "wrk" ? wrkCannot(s) : undefined;
      const usable = servers.filter((spec) => running.has(spec.key));
      if (cannot !== undefined) { for (const spec of usable) ctx.skips.set(`${s.id} ${spec.key}`, cannot); }
      return { scenario: s.id, servers: cannot === undefined ? usable.map((spec) => spec.key) : [] };
    });
    for (const run of interleave(groups, ctx.cfg.rounds)) {
      const s = scenarios.find((x) => x.id === run.scenario)!;
      const label = `r${run.round + 1} ${s.id} · ${run.server}`;
      ctx.progress.update(progressText(ctx, label), true);
      let server = running.get(run.server)!;
      try {
        if (server.exited) {
          ctx.progress.log(`  ${run.server} exited; restarting: ${server.tail().split("\n").pop()}`);
          server = await start(ctx, servers.find((x) => x.key === run.server)!);
          running.set(run.server, server);
        }
        let m = await httpRun(ctx, server, s, label);
        // A window with no response and no error measured nothing (on a starved
        // machine the server may not have run at all): try once more, then say so.
        if (stalled(s, m.result)) m = await httpRun(ctx, server, s, `${label} (again)`);
        if (stalled(s, m.result)) {
          throw new Error(`no response in the window twice (server CPU ${Math.round(m.cpuUs / 1000)} ms)`);
        }
        ctx.records.push(record(s.id, run.server, run.round, ctx.cfg.driver, m));
      } catch (err) {
        ctx.records.push(failedRecord(s.id, run.server, run.round, ctx.cfg.driver, (err as Error).message));
        ctx.progress.log(`  ${label}: ${(err as Error).message.split("\n")[0]}`);
      }
      ctx.done++;
    }
    await checkAgainstWrk(ctx, running, scenarios);
  } finally {
    await Promise.all([...running.values()].map((r) => r.stop()));
  }
}

/** Whether a run saw neither a response nor an error (the slow reader may see no complete response). */
function stalled(s: HttpScenario, r: LoadResult): boolean {
  return r.responses === 0 && errorTotal(r.errors) === 0 && s.readBytesPerSec === undefined;
}

/** The generator-vs-wrk check on the fastest server, when wrk is there and wanted. */
async function checkAgainstWrk(ctx: Context, running: Map<string, Running>, scenarios: HttpScenario[]) {
  if (!ctx.cfg.wrkCheck || ctx.tools.wrk === undefined || ctx.cfg.driver !== "builtin" || ctx.wrkCheck) {
    return;
  }
  const s = scenarios.find((x) =>
    x.depth === 1 && !x.churn && x.readBytesPerSec === undefined && x.bodyBytes === 0
  );
  if (s === undefined) return;
  const key = fastestServer(ctx, s.id, [...running.keys()]);
  if (key === undefined) return;
  try {
    ctx.wrkCheck = await wrkCheck(ctx, key, running.get(key)!, s, WRK_CHECK_TURNS);
  } catch (err) {
    ctx.progress.log(`  generator/wrk check failed: ${(err as Error).message.split("\n")[0]}`);
  }
}

/** Runs per driver in the generator-vs-wrk check. */
export const WRK_CHECK_TURNS = 3;

/** Servers and the scenario count that an HTTP session will run, for the estimate. */
export function httpRunCount(ctx: Context, servers: ServerSpec[], scenarios: HttpScenario[]): number {
  const n = servers.filter((s) => s.skip === undefined).length;
  const usable = scenarios.filter((s) => ctx.cfg.driver !== "wrk" || wrkCannot(s) === undefined).length;
  const plain = scenarios.some((s) =>
    s.depth === 1 && !s.churn && s.readBytesPerSec === undefined && s.bodyBytes === 0
  );
  const check = plain && ctx.cfg.wrkCheck && ctx.tools.wrk !== undefined && ctx.cfg.driver === "builtin"
    ? 2 * WRK_CHECK_TURNS
    : 0;
  return n * usable * ctx.cfg.rounds + check;
}
