/**
 * What every part of a bench session shares: the config, the runtimes, the
 * load generator, CPU placement, the progress line and the records; plus the
 * measured-window helper that every driver's run goes through.
 *
 * @module
 */

import type { RuntimeInfo } from "../../cli/runtimes.mjs";
import type { BenchConfig } from "../config.ts";
import type { LoadGenerator, LoadResult } from "../load/generator.ts";
import { errorTotal, type LoadJob } from "../load/job.ts";
import { RssSampler, treeCpuMicros } from "../lib/proc.ts";
import type { Progress } from "../report/progress.ts";
import type { RunRecord, WrkCheck } from "../report/summary.ts";
import type { ScenarioId } from "../scenarios.ts";
import type { RuntimeId, ServerSpec } from "../servers/matrix.ts";
import { type Running, startServer } from "../servers/spawn.ts";

/** A bench session's shared state. */
export interface Context {
  cfg: BenchConfig;
  root: string;
  runtimes: Map<RuntimeId, RuntimeInfo>;
  gen: LoadGenerator;
  progress: Progress;
  records: RunRecord[];
  /** `"<scenario> <server key>"` → why that pair did not run. */
  skips: Map<string, string>;
  /** `taskset` CPU lists; undefined when not pinning. */
  serverCpus?: string;
  generatorCpus?: string;
  tools: { wrk?: string; redisBenchmark?: string };
  /** The generator-vs-wrk figure, once measured. */
  wrkCheck?: WrkCheck;
  /** Runs planned and done, for the progress line's estimate. */
  planned: number;
  done: number;
  started: number;
  /** When the first run began (the estimate leaves server start-up out). */
  firstRunAt?: number;
}

/** Starts `spec` under its runtime, pinned to the server CPUs. */
export function start(ctx: Context, spec: ServerSpec, timeoutMs = 30_000): Promise<Running> {
  const rt = ctx.runtimes.get(spec.runtime)!;
  const argv = rt.argv(spec.script, [...spec.args, "--port", "0", "--hostname", "127.0.0.1"]);
  // A multi-loop server gets every CPU: pinning it to one would measure the pin.
  const cpus = spec.loops > 1 ? undefined : ctx.serverCpus;
  return startServer(argv, { cpus, timeoutMs, cwd: ctx.root });
}

/** The text after the counter in the progress line. */
export function progressText(ctx: Context, what: string): string {
  const left = ctx.planned - ctx.done;
  ctx.firstRunAt ??= performance.now();
  const per = ctx.done > 0 ? (performance.now() - ctx.firstRunAt) / ctx.done : 0;
  const eta = per > 0 ? ` · ~${Math.ceil((per * left) / 1000)} s left` : "";
  return `run ${Math.min(ctx.done + 1, ctx.planned)}/${ctx.planned} · ${what}${eta}`;
}

/** Server-side figures around a window: CPU of the tree, peak RSS. */
export class ServerWindow {
  #pid: number;
  #cpu0: number;
  #rss: RssSampler;

  constructor(pid: number) {
    this.#pid = pid;
    this.#rss = new RssSampler(pid);
    this.#cpu0 = treeCpuMicros(pid);
  }

  /** Closes the window: server CPU µs spent in it and the peak RSS seen. */
  close(): { cpuUs: number; peakRss: number } {
    const cpuUs = treeCpuMicros(this.#pid) - this.#cpu0;
    return { cpuUs, peakRss: this.#rss.stop() };
  }
}

/**
 * One measured run with the built-in generator: start (warm-up), open the
 * window, sample the server, close the window.
 */
export async function builtinRun(
  ctx: Context,
  server: Running,
  job: LoadJob,
  label: string,
): Promise<{ result: LoadResult; cpuUs: number; peakRss: number; clientCpuUs: number }> {
  const { gen, cfg } = ctx;
  await gen.start(job);
  await sleep(cfg.warmupMs);
  const win = new ServerWindow(server.pid);
  const client0 = gen.cpuMicros();
  void gen.measure();
  const end = performance.now() + cfg.durationMs;
  while (performance.now() < end) {
    await sleep(Math.min(250, end - performance.now()));
    const p = gen.progress();
    const rate = p.elapsedMs > 0 ? (p.responses / p.elapsedMs) * 1000 : 0;
    ctx.progress.update(
      progressText(ctx, `${label} · ${fmtRate(rate)}/s${p.errors ? ` · ${p.errors} errors` : ""}`),
    );
  }
  const { cpuUs, peakRss } = win.close();
  const clientCpuUs = gen.cpuMicros() - client0;
  const result = await gen.stop();
  return { result, cpuUs, peakRss, clientCpuUs };
}

/** Builds the record of one run. */
export function record(
  scenario: ScenarioId,
  server: string,
  round: number,
  driver: string,
  m: { result: LoadResult; cpuUs: number; peakRss: number },
): RunRecord {
  const r = m.result;
  // No response in the window (a slow reader's long stream): no latency to report.
  const latency = r.latency.count > 0
    ? r.latency
    : { count: 0, mean: NaN, p50: NaN, p90: NaN, p99: NaN, p999: NaN, max: NaN };
  return {
    scenario,
    server,
    round,
    driver,
    ok: true,
    rps: r.rps,
    responses: r.responses,
    non2xx: r.non2xx,
    errors: r.errors,
    errorTotal: errorTotal(r.errors),
    bytesRead: r.bytesRead,
    bytesPerSec: r.bytesRead / (r.windowMs / 1000),
    latency,
    windowMs: r.windowMs,
    cpuUs: m.cpuUs,
    cpuUsPerReq: r.responses > 0 ? m.cpuUs / r.responses : NaN,
    peakRss: m.peakRss,
  };
}

/** The record of a run that could not be measured. */
export function failedRecord(
  scenario: ScenarioId,
  server: string,
  round: number,
  driver: string,
  error: string,
): RunRecord {
  return {
    scenario,
    server,
    round,
    driver,
    ok: false,
    error,
    rps: NaN,
    responses: 0,
    non2xx: 0,
    errors: { connect: 0, reset: 0, parse: 0, timeout: 0 },
    errorTotal: 0,
    bytesRead: 0,
    bytesPerSec: NaN,
    latency: { count: 0, mean: NaN, p50: NaN, p90: NaN, p99: NaN, p999: NaN, max: NaN },
    windowMs: 0,
    cpuUs: NaN,
    cpuUsPerReq: NaN,
    peakRss: NaN,
  };
}

/** `61.2k`, `1.03M`, `950`. */
export function fmtRate(v: number): string {
  if (!Number.isFinite(v)) return "–";
  if (v >= 1e6) return `${(v / 1e6).toFixed(2)}M`;
  if (v >= 1e3) return `${(v / 1e3).toFixed(1)}k`;
  return v.toFixed(0);
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, Math.max(0, ms)));
}
