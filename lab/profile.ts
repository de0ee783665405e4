/**
 * Where one request's CPU time goes in a server under load, by function and
 * by V8 builtin: `perf record` on the pinned server while wrk drives it,
 * each sample named through V8's perf map (see `perf-map.ts`), and the
 * server's measured CPU per request split by the samples' shares.
 *
 *   node --import tsx lab/profile.ts [entry] [--runtime node|node24|deno|bun]
 *     [--engine kernel|native] [--scenario hello|pipelined] [--seconds 4] [--top 30]
 *
 * Needs Linux `perf` (with permission to record another process) and wrk.
 * Bun's JIT writes no perf map here, so on Bun its JS shows as unnamed JIT
 * code. The server runs on CPU 0 and wrk on CPU 1, as in the bench.
 *
 * @module
 */

import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import process from "node:process";
import { ROOT, runtimeById } from "../cli/runtimes.mjs";
import { parseArgv } from "../bench/config.ts";
import { runWrk } from "../bench/drivers/wrk.ts";
import { endDescendantsOnExit } from "../bench/lib/children.ts";
import { attribute, type Group, parsePerfMap, parsePerfScript } from "./perf-map.ts";
import { treeCpuMicros } from "../bench/lib/proc.ts";
import { pinSelf, versionOf, which } from "../bench/lib/tools.ts";
import { type HttpScenario, SCENARIOS } from "../bench/scenarios.ts";
import { startServer } from "../bench/servers/spawn.ts";

const USAGE = `node --import tsx lab/profile.ts [entry] [options]
  entry               a fetch entry (default examples/hello-hono.ts)
  --runtime R         node | node24 | deno | bun (default deno)
  --engine E          kernel | native (default kernel)
  --scenario S        hello (one request at a time, the default) | pipelined (16 a batch)
  --seconds N         length of the recorded window (default 4)
  --top N             symbols listed (default 30)`;

const GROUP_ORDER: Group[] = [
  "Linux",
  "runtime (native code)",
  "libc",
  "triloop JS",
  "app and dependencies JS",
  "runtime JS",
  "V8 builtins",
  "other generated code",
  "JIT code (not named)",
  "other",
];

const { flags, positional } = parseArgv(process.argv.slice(2));
if (flags.has("help")) {
  console.log(USAGE);
  process.exit(0);
}
const missing = ["perf", "wrk", "taskset"].filter((bin) => which(bin) === undefined);
if (missing.length > 0) {
  console.error(
    `lab/profile.ts needs ${missing.join(", ")} (apt-get install -y linux-perf wrk util-linux)`,
  );
  process.exit(2);
}
const entry = resolve(positional[0] ?? "examples/hello-hono.ts");
const rt = runtimeById(flags.get("runtime") ?? "deno");
const engine = flags.get("engine") ?? "kernel";
const seconds = Number(flags.get("seconds") ?? "4");
const top = Number(flags.get("top") ?? "30");
if (!(seconds > 0) || !(top > 0)) {
  console.error("--seconds and --top must be positive numbers");
  process.exit(2);
}
const scenarioId = flags.get("scenario") ?? "hello";
if (scenarioId !== "hello" && scenarioId !== "pipelined") {
  console.error(`--scenario must be hello or pipelined, got '${scenarioId}'`);
  process.exit(2);
}
const scenario = SCENARIOS[scenarioId] as HttpScenario;

// The runtime's flag that makes V8 write its perf map.
const argv = rt.argv(join(ROOT, "cli", "run-entry.ts"), [
  entry,
  "--engine",
  engine,
  "--port",
  "0",
  "--hostname",
  "127.0.0.1",
]);
if (rt.kind === "node") argv.splice(1, 0, "--perf-basic-prof");
else if (rt.kind === "deno") argv.splice(2, 0, "--v8-flags=--perf-basic-prof");

pinSelf("1"); // wrk, our child, inherits CPU 1
endDescendantsOnExit();
const server = await startServer(argv, { cpus: "0", cwd: ROOT });
const work = mkdtempSync(join(tmpdir(), "triloop-profile-"));
const mapFile = `/tmp/perf-${server.pid}.map`;
try {
  const wrk = {
    bin: which("wrk")!,
    url: `http://127.0.0.1:${server.port}`,
    scenario,
    connections: 64,
    threads: 1,
    timeoutMs: 10_000,
  };
  await runWrk({ ...wrk, durationMs: 3000 }); // warm-up: the JIT settles
  const load = runWrk({ ...wrk, durationMs: (seconds + 3) * 1000 });
  await new Promise((r) => setTimeout(r, 700));
  const data = join(work, "perf.data");
  // CPU and wall time over the same window (perf's start and exit included),
  // so that requests in it are wrk's rate times that window.
  const cpu0 = treeCpuMicros(server.pid);
  const t0 = performance.now();
  await run("perf", [
    "record",
    "-e",
    "cpu-clock",
    "-F",
    "2000",
    "-p",
    String(server.pid),
    "-o",
    data,
    "--",
    "sleep",
    String(seconds),
  ]);
  const cpuUs = treeCpuMicros(server.pid) - cpu0;
  const windowS = (performance.now() - t0) / 1000;
  const result = await load;
  const script = execFileSync("perf", ["script", "-i", data, "-F", "ip,dso"], {
    encoding: "utf8",
    maxBuffer: 512 << 20,
    stdio: ["ignore", "pipe", "ignore"],
  });
  const entries = existsSync(mapFile) ? parsePerfMap(readFileSync(mapFile, "utf8")) : [];
  const a = attribute(parsePerfScript(script), entries, ROOT);
  const requests = result.rps * windowS;
  const usPerReq = cpuUs / requests;
  const ns = (samples: number) => ((samples / a.total) * usPerReq * 1000).toFixed(0).padStart(7);
  const pct = (samples: number) => `${((samples / a.total) * 100).toFixed(1)}%`.padStart(6);
  console.log(
    `${rt.id} ${versionOf(rt)} · ${entry.replace(ROOT + "/", "")} · ${engine} engine · ${scenario.title}` +
      ` · ${seconds} s recorded at 2000 Hz`,
  );
  console.log(
    `${(result.rps / 1000).toFixed(1)}k req/s (wrk, 64 connections), server CPU ${usPerReq.toFixed(2)} µs` +
      ` a request; ${a.total} samples${entries.length === 0 ? "; no perf map: JS is not named" : ""}`,
  );
  console.log(`\n${"where a request's CPU goes".padEnd(60)} ns/req  share`);
  for (const g of GROUP_ORDER) {
    const n = a.byGroup.get(g);
    if (n !== undefined) console.log(`${g.padEnd(60)}${ns(n)} ${pct(n)}`);
  }
  console.log(`\n${`top ${top} symbols`.padEnd(60)} ns/req  share  group`);
  const sorted = [...a.bySymbol].sort((x, y) => y[1].samples - x[1].samples).slice(0, top);
  for (const [name, { samples, group }] of sorted) {
    const shown = name.length > 59 ? "…" + name.slice(-58) : name;
    console.log(`${shown.padEnd(60)}${ns(samples)} ${pct(samples)}  ${group}`);
  }
} finally {
  await server.stop();
  rmSync(work, { recursive: true, force: true });
  rmSync(mapFile, { force: true });
}

function run(bin: string, args: string[]): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn(bin, args, { stdio: "ignore" });
    child.on("error", fail);
    child.on("close", (code) => (code === 0 ? done() : fail(new Error(`${bin} exited with ${code}`))));
  });
}
