/**
 * The bench's command line and presets.
 *
 * `triloop bench <entry> [--runtimes node,bun,deno] [--engines kernel,native]
 * [--loops 1,2] [--scenarios …] [--duration 10s] [--connections 64]
 * [--rounds 3] [--json out.json] [--svg out.svg] [--driver builtin|wrk]`,
 * or `--preset default|tcp`. Every option is documented in {@link USAGE}.
 *
 * @module
 */

import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { labFile, type PeerSet, type RuntimeId } from "./servers/matrix.ts";
import { parseScenarios, type Scenario } from "./scenarios.ts";

/** Everything a bench session needs to know. */
export interface BenchConfig {
  /** The fetch entry under test (absolute path). */
  entry: string;
  /** Why the entry is not the one asked for, if it is not. */
  entryNote?: string;
  runtimes: RuntimeId[];
  engines: ("kernel" | "native")[];
  loops: number[];
  scenarios: Scenario[];
  durationMs: number;
  warmupMs: number;
  connections: number;
  rounds: number;
  /** Rounds of the idle-memory measurement (each starts fresh servers). */
  idleRounds: number;
  idleConnections: number;
  driver: "builtin" | "wrk";
  respDriver: "redis-benchmark" | "builtin";
  /** Peers per runtime (see `--peers`). */
  peers: Partial<Record<RuntimeId, PeerSet>>;
  /** Generator threads; default: the CPUs the generator may use. */
  threads?: number;
  /** The runtime the load threads run on: bun (a child process, the default when installed) or node (in-process). */
  generator: "bun" | "node";
  pin: boolean;
  wrkCheck: boolean;
  timeoutMs: number;
  json?: string;
  svg?: string;
  md?: string;
  preset?: string;
  /** The command line, for the record. */
  command: string;
}

export const USAGE = `usage: triloop bench [<entry>] [options]
  <entry>              fetch entry under test (default examples/hello-hono.ts in a checkout;
                       needed when triloop is installed from npm)
  --preset NAME        default (hello + pipelined, all runtimes, < 5 min) | full (every scenario)
                       | tcp (RESP ops + idle memory) | ws (ws-echo, ws-fanout, idle-ws)
                       | tls (keep-alive and handshakes over TLS)
  --runtimes LIST      node,node24,bun,deno (default: all installed)
  --engines LIST       kernel,native (default kernel,native)
  --loops LIST         loops per triloop server, e.g. 1,2 (default 1)
  --scenarios LIST     hello,json,pipelined,upload,slow,churn,tls,tls-handshake,resp,idle,ws-echo,ws-fanout,idle-ws
  --duration T         measured time per run, e.g. 10s, 1500ms (default 2s)
  --warmup T           load before each measured window (default 500ms)
  --connections N      concurrent connections (default 64)
  --rounds N           interleaved rounds; the median is reported (default 3)
  --driver D           builtin | wrk (HTTP load driver, default builtin)
  --resp-driver D      redis-benchmark | builtin (default redis-benchmark when installed)
  --peers P            all (with the no-framework rows) | min (baseline + ceiling) | none,
                       or per runtime: node=all,node24=min
                       (default all; the default preset runs node24 with min; none when
                       triloop is installed from npm, whose package holds no peers)
  --threads N          generator threads (default: CPUs left to the generator)
  --generator R        bun | node: the runtime of the load threads (default bun when installed:
                       its client connections cost the least CPU per request)
  --idle-connections N idle connections per server (default 10000)
  --no-pin             do not pin server and generator to separate CPUs
  --no-wrk-check       skip the generator-vs-wrk comparison
  --json F --svg F --md F   write the results there (relative to the working directory)
  --from F.json        render a saved result again (with --md/--svg), running nothing`;

/** Parses `10s`, `1500ms`, `2m` or a number of seconds into ms. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (!m) throw new TypeError(`Bad duration '${text}'; use e.g. 10s or 500ms`);
  const v = Number(m[1]);
  return m[2] === "ms" ? v : m[2] === "m" ? v * 60_000 : v * 1000;
}

function list(text: string): string[] {
  return text.split(",").map((s) => s.trim()).filter(Boolean);
}

function positiveInt(text: string, name: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) {
    throw new TypeError(`--${name} must be a positive integer, got '${text}'`);
  }
  return n;
}

/** Reads argv (after `bench`) into flags and positionals. */
export function parseArgv(argv: string[]): { flags: Map<string, string>; positional: string[] } {
  const flags = new Map<string, string>();
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "-h" || a === "--help") flags.set("help", "true");
    else if (a.startsWith("--no-")) flags.set(a.slice(2), "true");
    else if (a.startsWith("--")) {
      const eq = a.indexOf("=");
      if (eq > 0) flags.set(a.slice(2, eq), a.slice(eq + 1));
      else flags.set(a.slice(2), argv[++i] ?? "");
    } else positional.push(a);
  }
  return { flags, positional };
}

/**
 * Presets. `default` must finish in under 5 minutes on a 2-core machine with
 * every runtime: ~23 servers × 2 scenarios × 3 rounds at ~1.4 s a run, plus
 * start-up, warm-up and the generator-vs-wrk check (~4 minutes). The other
 * HTTP scenarios are in `full`, which takes longer.
 */
const PRESETS: Record<string, Record<string, string>> = {
  default: {
    scenarios: "hello,pipelined",
    duration: "1s",
    warmup: "300ms",
    rounds: "3",
    peers: "node=all,node24=min,bun=all,deno=all",
    json: "bench/results/default.json",
    svg: "bench/results/default.svg",
    md: "bench/results/default.md",
  },
  full: {
    scenarios: "hello,json,pipelined,upload,slow,churn,tls,tls-handshake,resp,idle,ws-echo,ws-fanout,idle-ws",
    duration: "2s",
    warmup: "500ms",
    rounds: "3",
    "idle-rounds": "2",
    json: "bench/results/full.json",
    svg: "bench/results/full.svg",
    md: "bench/results/full.md",
  },
  ws: {
    scenarios: "ws-echo,ws-fanout,idle-ws",
    duration: "2s",
    rounds: "3",
    "idle-rounds": "2",
    json: "bench/results/ws.json",
    svg: "bench/results/ws.svg",
    md: "bench/results/ws.md",
  },
  // TLS on every runtime: the kernel engine against the runtime's own TLS
  // server (the native engine), kept connections and new handshakes.
  tls: {
    scenarios: "tls,tls-handshake",
    duration: "2s",
    rounds: "3",
    json: "bench/results/tls.json",
    svg: "bench/results/tls.svg",
    md: "bench/results/tls.md",
  },
  tcp: {
    scenarios: "resp,idle",
    duration: "2s",
    rounds: "3",
    "idle-rounds": "2",
    json: "bench/results/tcp.json",
    svg: "bench/results/tcp.svg",
    md: "bench/results/tcp.md",
  },
};

/** `all`, or `node=all,node24=min`: the peer set of each runtime. */
export function parsePeers(text: string, runtimes: RuntimeId[]): Partial<Record<RuntimeId, PeerSet>> {
  const out: Partial<Record<RuntimeId, PeerSet>> = {};
  const check = (p: string): PeerSet => {
    if (p !== "all" && p !== "min" && p !== "none") {
      throw new TypeError(`Unknown peer set '${p}'; use all, min or none`);
    }
    return p;
  };
  if (!text.includes("=")) {
    for (const rt of runtimes) out[rt] = check(text);
    return out;
  }
  for (const part of list(text)) {
    const [rt, set] = part.split("=");
    out[rt as RuntimeId] = check(set);
  }
  return out;
}

/** Builds the config from argv; `installed` lists the runtimes available. */
export function parseConfig(
  argv: string[],
  root: string,
  installed: RuntimeId[],
  tools: { redisBenchmark: boolean },
): BenchConfig {
  const { flags, positional } = parseArgv(argv);
  const preset = flags.get("preset");
  if (preset !== undefined && PRESETS[preset] === undefined) {
    throw new TypeError(`Unknown preset '${preset}'; use ${Object.keys(PRESETS).join(" or ")}`);
  }
  const get = (name: string): string | undefined =>
    flags.get(name) ?? (preset ? PRESETS[preset][name] : undefined);

  let entry = resolve(positional[0] ?? join(root, "examples", "hello-hono.ts"));
  let entryNote: string | undefined;
  if (!existsSync(entry)) {
    if (positional[0] !== undefined) throw new TypeError(`Entry ${positional[0]} does not exist`);
    // The installed package ships the bench without the repository's apps.
    if (!existsSync(labFile(root, "app.ts"))) {
      throw new TypeError("Name the entry to measure: triloop bench <entry>");
    }
    entryNote = `examples/hello-hono.ts is not built yet; the Hono peers serve lab/app.ts (the same routes)`;
    entry = labFile(root, "app.ts");
  }

  const runtimes = (get("runtimes") ? list(get("runtimes")!) : installed) as RuntimeId[];
  for (const r of runtimes) {
    if (!["node", "node24", "bun", "deno"].includes(r)) throw new TypeError(`Unknown runtime '${r}'`);
  }
  const engines = list(get("engines") ?? "kernel,native") as ("kernel" | "native")[];
  for (const e of engines) if (e !== "kernel" && e !== "native") throw new TypeError(`Unknown engine '${e}'`);
  const driver = (get("driver") ?? "builtin") as BenchConfig["driver"];
  if (driver !== "builtin" && driver !== "wrk") throw new TypeError(`Unknown driver '${driver}'`);
  const respDriver =
    (get("resp-driver") ?? (tools.redisBenchmark ? "redis-benchmark" : "builtin")) as BenchConfig[
      "respDriver"
    ];
  // The peers are lab files (the package does not ship them, nor the frameworks they need).
  const peers = parsePeers(
    get("peers") ?? (existsSync(labFile(root, "peers")) ? "all" : "none"),
    runtimes,
  );
  const generator =
    (get("generator") ?? (installed.includes("bun") ? "bun" : "node")) as BenchConfig["generator"];
  if (generator !== "bun" && generator !== "node") throw new TypeError(`Unknown generator '${generator}'`);
  if (generator === "bun" && !installed.includes("bun")) {
    throw new TypeError("--generator bun needs Bun (npm install brings it)");
  }
  // A path typed on the command line is the user's; a preset's is the repository's.
  const out = (name: string) => {
    const typed = flags.get(name);
    if (typed) return resolve(typed);
    const fromPreset = preset ? PRESETS[preset][name] : undefined;
    return fromPreset ? resolve(root, fromPreset) : undefined;
  };

  return {
    entry,
    entryNote,
    runtimes: runtimes.filter((r) => installed.includes(r)),
    engines,
    loops: list(get("loops") ?? "1").map((l) => positiveInt(l, "loops")),
    scenarios: parseScenarios(get("scenarios") ?? "hello,pipelined"),
    durationMs: parseDuration(get("duration") ?? "2s"),
    warmupMs: parseDuration(get("warmup") ?? "500ms"),
    connections: positiveInt(get("connections") ?? "64", "connections"),
    rounds: positiveInt(get("rounds") ?? "3", "rounds"),
    idleRounds: positiveInt(get("idle-rounds") ?? "2", "idle-rounds"),
    idleConnections: positiveInt(get("idle-connections") ?? "10000", "idle-connections"),
    driver,
    respDriver,
    peers,
    threads: get("threads") ? positiveInt(get("threads")!, "threads") : undefined,
    generator,
    pin: get("no-pin") !== "true",
    wrkCheck: get("no-wrk-check") !== "true",
    timeoutMs: parseDuration(get("timeout") ?? "5s"),
    json: out("json"),
    svg: out("svg"),
    md: out("md"),
    preset,
    command: "triloop bench " + argv.join(" "),
  };
}
