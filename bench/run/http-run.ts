/**
 * One measured HTTP run on a running server, with the built-in generator or
 * wrk: what the session's rounds and the generator-vs-wrk check both run.
 *
 * @module
 */

import { readFileSync } from "node:fs";
import { runWrk } from "../drivers/wrk.ts";
import { benchTls } from "../servers/matrix.ts";
import { selfCpuMicros } from "../lib/proc.ts";
import type { LoadJob } from "../load/job.ts";
import { batchOf, type HttpScenario, requestBytes } from "../scenarios.ts";
import type { Running } from "../servers/spawn.ts";
import { builtinRun, type Context, progressText, ServerWindow } from "./context.ts";

/** The generator job of one HTTP scenario against `port`. */
export function httpJob(ctx: Context, s: HttpScenario, port: number): LoadJob {
  return {
    protocol: "http",
    hostname: "127.0.0.1",
    port,
    connections: s.connections ?? ctx.cfg.connections,
    batch: batchOf(requestBytes(s, "127.0.0.1", port), s.depth),
    depth: s.depth,
    churn: s.churn,
    readBytesPerSec: s.readBytesPerSec,
    timeoutMs: s.readBytesPerSec !== undefined ? 600_000 : ctx.cfg.timeoutMs,
    tlsCa: s.tls ? readFileSync(benchTls(ctx.root).ca, "utf8") : undefined,
  };
}

/** One measured run of `s` on a running server, with the configured driver. */
export async function httpRun(
  ctx: Context,
  server: Running,
  s: HttpScenario,
  label: string,
  driver = ctx.cfg.driver,
) {
  if (driver === "wrk") {
    const wrk = {
      bin: ctx.tools.wrk!,
      url: `${s.tls ? "https" : "http"}://127.0.0.1:${server.port}`,
      scenario: s,
      connections: s.connections ?? ctx.cfg.connections,
      threads: ctx.gen.threads,
      timeoutMs: ctx.cfg.timeoutMs,
    };
    ctx.progress.update(progressText(ctx, `${label} · wrk warm-up`));
    await runWrk({ ...wrk, durationMs: Math.max(1000, ctx.cfg.warmupMs) });
    ctx.progress.update(progressText(ctx, `${label} · wrk`));
    const win = new ServerWindow(server.pid);
    const reaped0 = selfCpuMicros().reaped;
    const result = await runWrk({ ...wrk, durationMs: ctx.cfg.durationMs });
    // wrk has exited and been reaped: its CPU is in our children's time.
    return { result, ...win.close(), clientCpuUs: selfCpuMicros().reaped - reaped0 };
  }
  return builtinRun(ctx, server, httpJob(ctx, s, server.port), label);
}
