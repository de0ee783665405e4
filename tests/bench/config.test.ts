import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseConfig, parseDuration } from "../../bench/config.ts";
import { parseRedisCsv } from "../../bench/drivers/redis-benchmark.ts";
import { wrkCannot, wrkScript } from "../../bench/drivers/wrk.ts";
import { type RunRecord, summarize } from "../../bench/report/summary.ts";
import { checkTargets } from "../../bench/report/targets.ts";
import { type HttpScenario, SCENARIOS } from "../../bench/scenarios.ts";
import { httpMatrix, KERNEL_NO_FRAMEWORK, type ServerSpec } from "../../bench/servers/matrix.ts";

const ROOT = join(import.meta.dirname, "..", "..");

describe("bench command line", () => {
  it("parses durations", () => {
    expect(parseDuration("10s")).toBe(10_000);
    expect(parseDuration("1500ms")).toBe(1500);
    expect(parseDuration("2m")).toBe(120_000);
    expect(parseDuration("3")).toBe(3000);
    expect(() => parseDuration("fast")).toThrow(TypeError);
  });

  it("presets fill what flags do not say; flags win", () => {
    const c = parseConfig(["--preset", "tcp", "--rounds", "5", "--no-pin"], ROOT, ["node", "bun"], {
      redisBenchmark: false,
    });
    expect(c.scenarios.map((s) => s.id)).toEqual(["resp", "idle"]);
    expect(c.rounds).toBe(5);
    expect(c.pin).toBe(false);
    expect(c.respDriver).toBe("builtin");
    expect(c.runtimes).toEqual(["node", "bun"]);
    expect(c.json).toBe(join(ROOT, "bench/results/tcp.json"));
  });

  it("drops runtimes that are not installed and rejects unknown names", () => {
    const c = parseConfig(["--runtimes", "node,deno"], ROOT, ["node"], { redisBenchmark: true });
    expect(c.runtimes).toEqual(["node"]);
    expect(() => parseConfig(["--runtimes", "java"], ROOT, ["node"], { redisBenchmark: true })).toThrow(
      /java/,
    );
    expect(() => parseConfig(["--scenarios", "nope"], ROOT, ["node"], { redisBenchmark: true })).toThrow(
      /nope/,
    );
  });
});

describe("drivers", () => {
  it("wrk: pipelined batches are built with wrk.format, uploads carry a body, slow reading is refused", () => {
    const lua = wrkScript(SCENARIOS.pipelined as HttpScenario);
    expect(lua).toContain('for i = 1, 16 do r[i] = wrk.format(nil, "/") end');
    expect(wrkScript(SCENARIOS.upload as HttpScenario)).toContain('wrk.body = string.rep("b", 65536)');
    expect(wrkScript(SCENARIOS.churn as HttpScenario)).toContain('wrk.headers["Connection"] = "close"');
    expect(wrkCannot(SCENARIOS.slow as HttpScenario)).toMatch(/slowly/);
  });

  it("redis-benchmark: reads the --csv table", () => {
    const csv =
      `"test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
"PING_MBULK","500000.00","1.500","0.200","1.400","2.000","3.100","9.000"
"SET","250000.00","3.000","0.300","2.900","4.000","5.500","12.000"`;
    expect(parseRedisCsv(csv)).toEqual([
      { test: "PING_MBULK", rps: 500000, avgMs: 1.5, p50Ms: 1.4, p99Ms: 3.1, maxMs: 9 },
      { test: "SET", rps: 250000, avgMs: 3, p50Ms: 2.9, p99Ms: 5.5, maxMs: 12 },
    ]);
  });
});

function spec(key: string, o: Partial<ServerSpec> = {}): ServerSpec {
  const runtime = key.slice(0, key.indexOf("/")) as ServerSpec["runtime"];
  const name = key.slice(key.indexOf("/") + 1);
  return { key, runtime, name, family: "framework", protocol: "http", script: "", args: [], loops: 1, ...o };
}

function run(server: string, rps: number, cpu: number, scenario: RunRecord["scenario"] = "hello"): RunRecord {
  return {
    scenario,
    server,
    round: 0,
    driver: "builtin",
    ok: true,
    rps,
    responses: rps,
    non2xx: 0,
    errors: { connect: 0, reset: 0, parse: 0, timeout: 0 },
    errorTotal: 0,
    bytesRead: 0,
    bytesPerSec: 0,
    latency: { count: 1, mean: 1, p50: 1, p90: 1, p99: 1, p999: 1, max: 1 },
    windowMs: 1000,
    cpuUs: cpu * rps,
    cpuUsPerReq: cpu,
    peakRss: 1,
  };
}

/** The first target checked on the medians of `records` (their scenarios). */
function firstTarget(servers: ServerSpec[], records: RunRecord[]) {
  const scenarios = [...new Set(records.map((r) => r.scenario))];
  return checkTargets(summarize(records, servers, scenarios))[0];
}

describe("summary and targets", () => {
  it("medians per server, ratios against the runtime's baseline, skips kept with their reason", () => {
    const servers = [
      spec("node/triloop kernel", { family: "triloop" }),
      spec("node/triloop native", { family: "triloop", skip: "not built yet: x" }),
      spec("node/Hono on @hono/node-server", { baseline: true }),
      spec("node/node:http", { family: "bare" }),
    ];
    const records = [
      run("node/triloop kernel", 60, 10),
      run("node/triloop kernel", 50, 12),
      run("node/triloop kernel", 70, 11),
      run("node/Hono on @hono/node-server", 30, 20),
      run("node/node:http", 40, 10),
    ];
    const rows = summarize(records, servers, ["hello"]);
    expect(rows.map((r) => r.server.name)).toEqual([
      "triloop kernel",
      "triloop native",
      "Hono on @hono/node-server",
      "node:http",
    ]);
    expect(rows[0].rps.median).toBe(60);
    expect(rows[0].vs).toMatchObject({ baseline: "Hono on @hono/node-server", rps: 2, cpu: 11 / 20 });
    expect(rows[1].skipped).toBe("not built yet: x");
    expect(rows[2].vs).toBeUndefined();
    const targets = checkTargets(rows);
    expect(targets.map((t) => [t.what, t.met])).toEqual([
      ["kernel req/s ÷ Hono on @hono/node-server", true],
      ["kernel CPU/req ÷ bare node:http", false],
    ]);
  });
});

describe("targets against the TCP ceiling", () => {
  it("a req/s target names the TCP minimal ratio, and says when even that is below the target", async () => {
    const { targetLine } = await import("../../bench/report/page.ts");
    const servers = [
      spec("deno/triloop kernel", { family: "triloop" }),
      spec("deno/Hono on Deno.serve", { baseline: true }),
      spec("deno/TCP minimal", { family: "raw" }),
    ];
    const t = firstTarget(servers, [
      run("deno/triloop kernel", 60, 16),
      run("deno/Hono on Deno.serve", 80, 12),
      run("deno/TCP minimal", 64, 15),
    ]);
    expect(t).toMatchObject({
      what: "kernel req/s ÷ Hono on Deno.serve",
      figure: "0.75×",
      met: false,
      ceiling: "0.80×",
    });
    const page = targetLine(t);
    expect(page).toContain("TCP minimal on the same runtime: 0.80×, below the target");
  });
});

describe("the no-framework rows", () => {
  it("with all peers, the kernel and the runtime's server also serve lab/plain.ts; with min, neither", () => {
    const names = (peers: "all" | "min") =>
      httpMatrix({
        root: "/r",
        entry: "/r/app.ts",
        runtimes: ["deno"],
        engines: ["kernel"],
        loops: [1],
        peers: { deno: peers },
      })
        .map((s) => [s.name, s.family, s.args.join(" ")]);
    expect(names("all")).toEqual([
      ["triloop kernel", "triloop", "/r/app.ts --engine kernel"],
      [KERNEL_NO_FRAMEWORK, "triloop", "/r/lab/plain.ts --engine kernel"],
      ["Deno.serve, no framework", "bare", "--app /r/lab/plain.ts"],
      ["Hono on Deno.serve", "framework", "--app /r/app.ts"],
      ["TCP minimal", "ceiling", ""],
    ]);
    expect(names("min").map(([name]) => name)).toEqual([
      "triloop kernel",
      "Hono on Deno.serve",
      "TCP minimal",
    ]);
  });

  it("a req/s target against the framework peer also names the same ratio with no framework", async () => {
    const { targetLine } = await import("../../bench/report/page.ts");
    const servers = [
      spec("deno/triloop kernel", { family: "triloop" }),
      spec(`deno/${KERNEL_NO_FRAMEWORK}`, { family: "triloop" }),
      spec("deno/Deno.serve, no framework", { family: "bare" }),
      spec("deno/Hono on Deno.serve", { baseline: true }),
    ];
    const t = firstTarget(servers, [
      run(`deno/triloop kernel`, 300, 3, "pipelined"),
      run(`deno/${KERNEL_NO_FRAMEWORK}`, 480, 2, "pipelined"),
      run("deno/Deno.serve, no framework", 80, 12, "pipelined"),
      run("deno/Hono on Deno.serve", 60, 16, "pipelined"),
    ]);
    expect(t).toMatchObject({
      what: "kernel pipelined req/s ÷ Hono on Deno.serve",
      figure: "5.00×",
      noFramework: { ratio: "6.00×", server: "Deno.serve, no framework" },
    });
    expect(targetLine(t)).toContain("with no framework, kernel ÷ Deno.serve, no framework: 6.00×");
  });
});

describe("result page", () => {
  it("a result survives JSON (NaN as null and back) and renders the same page", async () => {
    const { chartOf, fromJson, markdownPage, toJson } = await import("../../bench/report/page.ts");
    const servers = [
      spec("bun/triloop kernel", { family: "triloop" }),
      spec("bun/Hono on Bun.serve", { baseline: true }),
    ];
    const rows = summarize(
      [run("bun/triloop kernel", 60, 10), run("bun/Hono on Bun.serve", 50, 12)],
      servers,
      ["hello"],
    );
    const result = {
      machine: {
        cpuModel: "AMD EPYC",
        cores: 2,
        memoryBytes: 1,
        kernel: "Linux",
        runtimes: { bun: "1.4.5" },
        generatorNode: "v24.0.0",
        date: "2026-01-01T00:00:00.000Z",
        command: "triloop bench",
        pinning: "servers pinned to CPU 0",
      },
      config: {
        command: "triloop bench",
        scenarios: ["hello" as const],
        rounds: 1,
        warmupMs: 300,
        durationMs: 1000,
        connections: 64,
        idleConnections: 10000,
        entry: "examples/hello-hono.ts",
        driver: "builtin",
        respDriver: "redis-benchmark",
      },
      labels: { bun: "bun 1.4.5" },
      shortLabels: { bun: "bun 1.4" },
      targets: checkTargets(rows),
      rows,
      runs: [],
      durationMinutes: 0.5,
    };
    const back = fromJson(toJson(result));
    expect(back.rows[0].rps.q1).toBe(rows[0].rps.q1);
    expect(back.rows[0].cpuUsPerReq.relSpread).toBe(0); // a single run: no spread
    expect(markdownPage(back)).toBe(markdownPage(result));
    expect(markdownPage(back)).toContain("| bun 1.4.5 | **triloop kernel** | 60.0 |");
    expect(chartOf(back)).toBe(chartOf(result));
  });
});
