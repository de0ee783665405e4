/**
 * `triloop bench`: the same handler, the same load, on every runtime, side by
 * side. Started by `cli/triloop.mjs bench` under Node; it runs the load
 * generator itself (worker threads on triloop's Node client connections) and
 * starts every server under its own runtime. See `config.ts` for options.
 *
 * @module
 */

import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { dirname, join, relative } from "node:path";
import process from "node:process";
import { findRuntimes, ROOT, type RuntimeInfo } from "../cli/runtimes.mjs";
import { type BenchConfig, parseConfig, USAGE } from "./config.ts";
import { LoadGenerator } from "./load/generator.ts";
import { machine } from "./lib/machine.ts";
import { procAvailable } from "./lib/proc.ts";
import { Progress } from "./report/progress.ts";
import { summarize, type SummaryRow } from "./report/summary.ts";
import { renderSvg } from "./report/svg.ts";
import { markdownReport } from "./report/table.ts";
import { checkTargets } from "./report/targets.ts";
import type { Context } from "./run/context.ts";
import { httpRunCount, runHttp } from "./run/http.ts";
import { runIdle, runResp } from "./run/tcp.ts";
import { type HttpScenario, SCENARIOS } from "./scenarios.ts";
import { httpMatrix, type RuntimeId, tcpMatrix } from "./servers/matrix.ts";

function which(bin: string): string | undefined {
  try {
    return execFileSync("sh", ["-c", `command -v ${bin}`], { encoding: "utf8" }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Pins this process (all threads) to `cpus`; later threads and children inherit it. */
function pinSelf(cpus: string): boolean {
  try {
    execFileSync("taskset", ["-a", "-p", "-c", cpus, String(process.pid)], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** `20.20.2` from `v20.20.2`, `2.9.6` from `deno 2.9.6 (stable, …)`. */
function versionOf(rt: RuntimeInfo): string {
  return (rt.version ?? "?").replace(/^deno /, "").replace(/^v/, "").split(" ")[0];
}

/** `node 20.20`, `bun 1.4`: the label under a runtime's group of bars. */
function shortVersion(rt: RuntimeInfo): string {
  return `${rt.kind} ${versionOf(rt).split(".").slice(0, 2).join(".")}`;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.includes("--help") || argv.includes("-h")) {
    console.log(USAGE);
    return;
  }
  if (!procAvailable()) throw new Error("triloop bench reads /proc for server CPU and memory: Linux only");
  const all = findRuntimes();
  const installed = all.filter((r) => r.available).map((r) => r.id as RuntimeId);
  const tools = { wrk: which("wrk"), redisBenchmark: which("redis-benchmark") };
  const cfg = parseConfig(argv, ROOT, installed, { redisBenchmark: tools.redisBenchmark !== undefined });
  const runtimes = new Map(all.filter((r) => cfg.runtimes.includes(r.id)).map((r) => [r.id, r]));

  // CPU placement: the server on CPU 0, everything that makes load on the rest.
  const cores = availableParallelism();
  let serverCpus: string | undefined;
  let generatorCpus: string | undefined;
  if (cfg.pin && cores >= 2 && which("taskset") && pinSelf(`1-${cores - 1}`)) {
    serverCpus = "0";
    generatorCpus = cores === 2 ? "1" : `1-${cores - 1}`;
  }
  const threads = cfg.threads ?? Math.max(1, generatorCpus ? cores - 1 : Math.floor(cores / 2));
  const pinning = serverCpus
    ? `servers pinned to CPU ${serverCpus}; load generator (${threads} thread${threads > 1 ? "s" : ""}), ` +
      `wrk and redis-benchmark pinned to CPU ${generatorCpus} (taskset)`
    : `not pinned (${cfg.pin ? "taskset unavailable or 1 CPU" : "--no-pin"}); generator threads: ${threads}`;

  const progress = new Progress();
  const ctx: Context = {
    cfg,
    root: ROOT,
    runtimes,
    gen: LoadGenerator.create(threads),
    progress,
    records: [],
    skips: new Map(),
    serverCpus,
    generatorCpus,
    tools,
    planned: 0,
    done: 0,
    started: performance.now(),
  };

  const httpScenarios = cfg.scenarios.filter((s): s is HttpScenario => s.kind === "http");
  const wantResp = cfg.scenarios.some((s) => s.id === "resp");
  const wantIdle = cfg.scenarios.some((s) => s.id === "idle");
  // Scenarios that need the bench's own app run on a second set of servers.
  const benchApp = join(ROOT, "bench", "app.ts");
  const httpGroups = [
    { entry: cfg.entry, scenarios: httpScenarios.filter((s) => !s.benchApp || cfg.entry === benchApp) },
    { entry: benchApp, scenarios: httpScenarios.filter((s) => s.benchApp && cfg.entry !== benchApp) },
  ].filter((g) => g.scenarios.length > 0).map((g) => ({
    ...g,
    servers: httpMatrix({
      root: ROOT,
      entry: g.entry,
      runtimes: cfg.runtimes,
      engines: cfg.engines,
      loops: cfg.loops,
      peers: cfg.peers,
    }),
  }));
  const respServers = wantResp ? tcpMatrix(ROOT, cfg.runtimes, ["resp"]) : [];
  const echoServers = wantIdle ? tcpMatrix(ROOT, cfg.runtimes, ["echo"]) : [];
  ctx.planned = httpGroups.reduce((n, g) => n + httpRunCount(ctx, g.servers, g.scenarios), 0) +
    respServers.filter((s) => !s.skip).length * cfg.rounds +
    echoServers.filter((s) => !s.skip).length * cfg.idleRounds;

  progress.log(`triloop bench: ${cfg.command}`);
  progress.log(`  ${pinning}`);
  if (cfg.entryNote) progress.log(`  note: ${cfg.entryNote}`);
  try {
    for (const g of httpGroups) await runHttp(ctx, g.servers, g.scenarios);
    if (wantResp) await runResp(ctx, respServers);
    if (wantIdle) await runIdle(ctx, echoServers);
  } finally {
    await ctx.gen.close();
    progress.done();
  }

  const ids = (list: typeof cfg.scenarios) => list.map((s) => s.id);
  const rows: SummaryRow[] = [
    ...httpGroups.flatMap((g) => summarize(ctx.records, g.servers, ids(g.scenarios), ctx.skips)),
    ...summarize(ctx.records, respServers, ["resp"], ctx.skips),
    ...summarize(ctx.records, echoServers, ["idle"], ctx.skips),
  ];
  const versions = Object.fromEntries([...runtimes.values()].map((r) => [r.id, r.version ?? "?"]));
  const labels = Object.fromEntries([...runtimes.values()].map((r) => [r.id, `${r.kind} ${versionOf(r)}`]));
  const info = machine(versions, cfg.command, pinning);
  const report = render(ctx, cfg, rows, info.cpuModel, cores, labels);
  console.log(report);
  const minutes = ((performance.now() - ctx.started) / 60_000).toFixed(1);
  console.log(`\nfinished in ${minutes} min`);

  const json = {
    machine: info,
    config: { ...cfg, scenarios: cfg.scenarios.map((s) => s.id) },
    wrkCheck: ctx.wrkCheck,
    targets: checkTargets(rows),
    rows,
    runs: ctx.records,
    durationMinutes: Number(minutes),
  };
  const write = (file: string | undefined, text: string) => {
    if (file === undefined) return;
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
    console.log(`wrote ${relative(process.cwd(), file)}`);
  };
  write(
    cfg.json,
    JSON.stringify(json, (_, v) => (typeof v === "number" && !Number.isFinite(v) ? null : v), 2),
  );
  write(cfg.md, report + "\n");
  write(
    cfg.svg,
    renderSvg(cfg.scenarios, rows, {
      title: `triloop bench — ${info.date.slice(0, 10)}`,
      subtitle: [
        `${info.cpuModel}, ${cores} CPUs · ${
          [...runtimes.values()].map((r) => `${r.kind} ${versionOf(r)}`).join(" · ")
        }`,
        `${pinning}. Medians of ${cfg.rounds} interleaved rounds × ${
          cfg.durationMs / 1000
        }s, ${cfg.connections} connections.`,
        `${cfg.command}`,
      ],
      runtimeLabels: Object.fromEntries([...runtimes.values()].map((r) => [r.id, shortVersion(r)])),
    }),
  );
}

/** The terminal report: header, tables, the generator check, the targets. */
function render(
  ctx: Context,
  cfg: BenchConfig,
  rows: SummaryRow[],
  cpu: string,
  cores: number,
  versions: Record<string, string>,
): string {
  const out: string[] = [];
  out.push(`## triloop bench`);
  out.push("");
  out.push(`\`${cfg.command}\` — ${new Date().toISOString()}`);
  out.push("");
  out.push(`- machine: ${cpu}, ${cores} CPUs; generator on Node ${process.versions.node}`);
  out.push(
    `- ${
      ctx.serverCpus
        ? `servers pinned to CPU ${ctx.serverCpus}, load generator and drivers to CPU ${ctx.generatorCpus}`
        : "not pinned"
    }`,
  );
  if (cores <= 2) {
    out.push(
      `- on ${cores} CPUs the load generator competes for CPU with the server (and with anything else on the machine), ` +
        `so req/s is partly the generator's; **server CPU µs per request is the figure that holds**`,
    );
  }
  out.push(
    `- each figure: median of ${cfg.rounds} interleaved rounds (A B C, B C A, …), spread = min–max; ` +
      `${cfg.warmupMs} ms of load before each ${cfg.durationMs / 1000} s window; ` +
      `CPU = utime+stime of the server's process tree (/proc), RSS sampled every 100 ms`,
  );
  out.push(
    `- HTTP and RESP servers are started once and kept warm for the session (no JIT or start-up inside a run); ` +
      `idle-memory runs start a fresh server each time`,
  );
  if (cfg.entryNote) out.push(`- ${cfg.entryNote}`);
  out.push(
    `- entry: \`${
      relative(ctx.root, cfg.entry)
    }\`; HTTP driver: ${cfg.driver}; RESP driver: ${cfg.respDriver}`,
  );
  out.push("");
  const notes = {
    slow:
      `GET /stream to ${SCENARIOS.slow.kind === "http" ? SCENARIOS.slow.connections : 0} clients reading ` +
      `1 MiB/s each; every server serves bench/app.ts here (a 16 MiB /stream); the figure to watch is peak RSS`,
    churn: "a new connection per request (latency includes connect)",
    idle: `${cfg.idleConnections} idle connections held by a separate process`,
    resp: `PING/SET/GET/INCR, pipeline 16, ${cfg.connections} connections`,
  };
  out.push(markdownReport(cfg.scenarios, rows, versions, notes));
  const w = ctx.wrkCheck;
  if (w !== undefined) {
    out.push("");
    out.push(
      `**generator/wrk = ${
        w.ratio.toFixed(2)
      }** — ${w.scenario} on ${w.server}, ${w.connections} connections, ` +
        `${w.threads} thread${w.threads > 1 ? "s" : ""} each: built-in ${
          Math.round(w.builtin.median)
        } req/s ` +
        `(${Math.round(w.builtin.min)}–${Math.round(w.builtin.max)}) vs wrk ${
          Math.round(w.wrk.median)
        } req/s ` +
        `(${Math.round(w.wrk.min)}–${Math.round(w.wrk.max)}), ${w.builtin.n} turns each, alternated; ` +
        `load-side CPU per request: generator ${w.builtinClientCpu.median.toFixed(1)} µs, ` +
        `wrk ${w.wrkClientCpu.median.toFixed(1)} µs`,
    );
  }
  const targets = checkTargets(rows);
  if (targets.length > 0) {
    out.push("");
    out.push("### Targets");
    out.push("");
    for (const t of targets) {
      out.push(`- ${t.met ? "✓" : "✗"} ${t.runtime}: ${t.what} = ${t.figure} (target ${t.target})`);
    }
  }
  return out.join("\n");
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(`triloop bench: ${err instanceof Error ? err.message : err}`);
    process.exit(1);
  },
);
