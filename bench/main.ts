/**
 * `triloop bench`: the same handler, the same load, on every runtime, side by
 * side. Started by `cli/triloop.mjs bench` under Node; it runs the load
 * generator itself (worker threads on triloop's Node client connections) and
 * starts every server under its own runtime. See `config.ts` for options.
 *
 * @module
 */

import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import process from "node:process";
import { findRuntimes, ROOT, type RuntimeInfo } from "../cli/runtimes.mjs";
import { parseArgv, parseConfig, USAGE } from "./config.ts";
import { LoadGenerator } from "./load/generator.ts";
import { machine } from "./lib/machine.ts";
import { endDescendantsOnExit } from "./lib/children.ts";
import { idleConnectionsProblem } from "./lib/limits.ts";
import { procAvailable } from "./lib/proc.ts";
import { pinSelf, versionOf, which } from "./lib/tools.ts";
import { Progress } from "./report/progress.ts";
import { type BenchResult, chartOf, checkTargets, fromJson, markdownPage, toJson } from "./report/page.ts";
import { summarize, type SummaryRow } from "./report/summary.ts";
import type { Context } from "./run/context.ts";
import { httpRunCount, runHttp } from "./run/http.ts";
import { runIdle, runResp } from "./run/tcp.ts";
import { runWsEcho, runWsFanout } from "./run/ws.ts";
import { type HttpScenario, SCENARIOS, type TcpScenario } from "./scenarios.ts";
import { httpMatrix, labFile, type RuntimeId, tcpMatrix, wsMatrix } from "./servers/matrix.ts";

/** `node 20.20`, `bun 1.4`: the label under a runtime's group of bars. */
function shortVersion(rt: RuntimeInfo): string {
  return `${rt.kind} ${versionOf(rt).split(".").slice(0, 2).join(".")}`;
}

/** Writes `text` to `file` (creating folders) and says so. */
function write(file: string | undefined, text: string): void {
  if (file === undefined) return;
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
  console.log(`wrote ${relative(process.cwd(), file)}`);
}

/** Prints a result and writes the files asked for. */
function publish(result: BenchResult, files: { json?: string; md?: string; svg?: string }): void {
  const page = markdownPage(result);
  console.log(page);
  console.log(`\nfinished in ${result.durationMinutes.toFixed(1)} min`);
  write(files.json, toJson(result));
  write(files.md, page + "\n");
  write(files.svg, chartOf(result));
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.includes("--help") || argv.includes("-h")) {
    console.log(USAGE);
    return;
  }
  const { flags } = parseArgv(argv);
  const from = flags.get("from");
  if (from !== undefined) {
    // Render a saved result again (e.g. after the report's layout changed).
    const out = (name: string) => (flags.get(name) ? resolve(flags.get(name)!) : undefined);
    const saved = fromJson(readFileSync(from, "utf8"));
    saved.targets = checkTargets(saved.rows); // the rules may have changed since
    return publish(saved, {
      json: out("json"),
      md: out("md"),
      svg: out("svg"),
    });
  }
  if (!procAvailable()) throw new Error("triloop bench reads /proc for server CPU and memory: Linux only");
  endDescendantsOnExit();
  const all = findRuntimes();
  const installed = all.filter((r) => r.available).map((r) => r.id as RuntimeId);
  const tools = { wrk: which("wrk"), redisBenchmark: which("redis-benchmark") };
  const cfg = usage(() => {
    const cfg = parseConfig(argv, ROOT, installed, { redisBenchmark: tools.redisBenchmark !== undefined });
    // Checked before any server starts, not when the idle run reaches the limit.
    const idle = cfg.scenarios.some((s) => s.kind === "idle")
      ? idleConnectionsProblem(cfg.idleConnections)
      : undefined;
    if (idle !== undefined) throw new RangeError(idle);
    return cfg;
  });
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
    ? `servers pinned to CPU ${serverCpus}; load generator (${threads} thread${
      threads > 1 ? "s" : ""
    } on ${cfg.generator}), ` +
      `wrk and redis-benchmark pinned to CPU ${generatorCpus} (taskset)`
    : `not pinned (${cfg.pin ? "taskset unavailable or 1 CPU" : "--no-pin"}); generator threads: ${threads}`;

  const bun = all.find((r) => r.id === "bun");
  const gen = cfg.generator === "bun" && bun?.bin
    ? LoadGenerator.create(threads, {
      argv: [bun.bin, "run", join(ROOT, "bench", "load", "host.ts")],
      label: `Bun ${bun.version ?? "?"}`,
    })
    : LoadGenerator.create(threads);
  const progress = new Progress();
  const ctx: Context = {
    cfg,
    root: ROOT,
    runtimes,
    gen,
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
  const wantIdleWs = cfg.scenarios.some((s) => s.id === "idle-ws");
  const wantWsEcho = cfg.scenarios.some((s) => s.id === "ws-echo");
  const wantWsFanout = cfg.scenarios.some((s) => s.id === "ws-fanout");
  // Scenarios that need the bench's own app run on a second set of servers.
  const benchApp = labFile(ROOT, "app.ts");
  const httpGroups = [
    {
      entry: cfg.entry,
      scenarios: httpScenarios.filter((s) => !s.tls && (!s.benchApp || cfg.entry === benchApp)),
    },
    {
      entry: benchApp,
      scenarios: httpScenarios.filter((s) => !s.tls && s.benchApp && cfg.entry !== benchApp),
    },
    // TLS runs on servers of their own, started with the test certificate.
    { entry: cfg.entry, scenarios: httpScenarios.filter((s) => s.tls), tls: true },
  ].filter((g) => g.scenarios.length > 0).map((g) => ({
    ...g,
    servers: httpMatrix({
      root: ROOT,
      entry: g.entry,
      runtimes: cfg.runtimes,
      engines: cfg.engines,
      loops: cfg.loops,
      peers: cfg.peers,
      tls: "tls" in g,
    }),
  }));
  const respServers = wantResp ? tcpMatrix(ROOT, cfg.runtimes, ["resp"]) : [];
  const echoServers = wantIdle ? tcpMatrix(ROOT, cfg.runtimes, ["echo"]) : [];
  const wsServers = wsMatrix(ROOT, cfg.runtimes, cfg.engines);
  const wsEchoServers = wantWsEcho ? wsMatrix(ROOT, cfg.runtimes, cfg.engines, true) : [];
  const ready = (list: typeof wsServers) => list.filter((s) => !s.skip).length;
  ctx.planned = httpGroups.reduce((n, g) => n + httpRunCount(ctx, g.servers, g.scenarios), 0) +
    ready(respServers) * cfg.rounds +
    ready(echoServers) * cfg.idleRounds +
    ready(wsEchoServers) * cfg.rounds +
    (wantWsFanout ? ready(wsServers) * cfg.idleRounds : 0) +
    (wantIdleWs ? ready(wsServers) * cfg.idleRounds : 0);

  progress.log(`triloop bench: ${cfg.command}`);
  progress.log(`  ${pinning}`);
  if (cfg.entryNote) progress.log(`  note: ${cfg.entryNote}`);
  try {
    for (const g of httpGroups) await runHttp(ctx, g.servers, g.scenarios);
    if (wantResp) await runResp(ctx, respServers);
    if (wantIdle) await runIdle(ctx, echoServers, SCENARIOS.idle as TcpScenario);
    if (wantWsEcho) await runWsEcho(ctx, wsEchoServers);
    if (wantWsFanout) await runWsFanout(ctx, wsServers);
    if (wantIdleWs) await runIdle(ctx, wsServers, SCENARIOS["idle-ws"] as TcpScenario);
  } finally {
    await ctx.gen.close();
    progress.done();
  }

  const ids = (list: typeof cfg.scenarios) => list.map((s) => s.id);
  const rows: SummaryRow[] = [
    ...httpGroups.flatMap((g) => summarize(ctx.records, g.servers, ids(g.scenarios), ctx.skips)),
    ...summarize(ctx.records, respServers, ["resp"], ctx.skips),
    ...summarize(ctx.records, echoServers, ["idle"], ctx.skips),
    ...summarize(ctx.records, wsEchoServers, ["ws-echo"], ctx.skips),
    ...(wantWsFanout ? summarize(ctx.records, wsServers, ["ws-fanout"], ctx.skips) : []),
    ...(wantIdleWs ? summarize(ctx.records, wsServers, ["idle-ws"], ctx.skips) : []),
  ];
  const rts = [...runtimes.values()];
  const result: BenchResult = {
    machine: machine(
      Object.fromEntries(rts.map((r) => [r.id, r.version ?? "?"])),
      cfg.command,
      pinning,
      gen.host,
    ),
    config: {
      command: cfg.command,
      scenarios: ids(cfg.scenarios),
      rounds: cfg.rounds,
      warmupMs: cfg.warmupMs,
      durationMs: cfg.durationMs,
      connections: cfg.connections,
      idleConnections: cfg.idleConnections,
      entry: relative(process.cwd(), cfg.entry),
      entryNote: cfg.entryNote,
      driver: cfg.driver,
      respDriver: cfg.respDriver,
    },
    labels: Object.fromEntries(rts.map((r) => [r.id, `${r.kind} ${versionOf(r)}`])),
    shortLabels: Object.fromEntries(rts.map((r) => [r.id, shortVersion(r)])),
    wrkCheck: ctx.wrkCheck,
    targets: checkTargets(rows),
    rows,
    runs: ctx.records,
    durationMinutes: (performance.now() - ctx.started) / 60_000,
  };
  publish(result, cfg);
}

/** Runs `f`; what it throws is a usage error: one line and exit 2, before anything started. */
function usage<T>(f: () => T): T {
  try {
    return f();
  } catch (err) {
    console.error(`triloop bench: ${err instanceof Error ? err.message : err}`);
    process.exit(2);
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(`triloop bench: ${err instanceof Error ? err.message : err}`);
    process.exit(1);
  },
);
