// `triloop bench` leaves nothing behind: a short bench run stopped in the
// middle of its load — SIGTERM or SIGINT to the command, or SIGKILL to the
// bench itself — ends every process it started (servers, a server's loop
// processes, the load generator's host); and an idle run asking for more
// connections than a process may open fails at once, in one line, before
// it starts anything.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openFileLimit } from "../../bench/lib/limits.ts";
import { processTree } from "../../bench/lib/proc.ts";
import { ROOT } from "../../cli/runtimes.mjs";
import { runtime } from "../conformance/_spawn.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `pid`'s live descendants. */
function descendants(pid: number): number[] {
  return processTree(pid).slice(1);
}

/** A process's command line, or "" once it is gone. */
function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
  } catch {
    return "";
  }
}

/** Running: exists and is not a zombie (a dead child not yet reaped by whoever inherited it). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

/** `triloop bench ...args`, with its output kept. */
function bench(
  args: string[],
): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn(runtime("node").bin!, [join(ROOT, "cli", "triloop.mjs"), "bench", ...args], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let text = "";
  child.stdout!.setEncoding("utf8").on("data", (t: string) => (text += t));
  child.stderr!.setEncoding("utf8").on("data", (t: string) => (text += t));
  const exited = new Promise<number | null>((r) =>
    child.once("exit", (code, signal) => r(code ?? (signal ? -1 : null)))
  );
  return { child, output: () => text, exited };
}

/** SIGKILLs what a failed case left (by pid): `pid`'s tree and `also`. */
function cleanUp(pid: number, also: number[] = []): void {
  for (const p of [...descendants(pid), pid, ...also]) {
    try {
      process.kill(p, "SIGKILL");
    } catch {
      // gone
    }
  }
}

const node = runtime("node");
const canRun = node.available && existsSync("/proc/self/task");

describe.skipIf(!canRun)("triloop bench ends every process it started", () => {
  for (
    const { signal, to, server } of [
      { signal: "SIGTERM", to: "the command", server: ["--runtimes", "node", "--loops", "2"] },
      { signal: "SIGINT", to: "the command", server: ["--runtimes", "bun"] },
      { signal: "SIGKILL", to: "the bench itself", server: ["--runtimes", "bun"] },
    ] as const
  ) {
    it(`on ${signal} to ${to}, in the middle of a run (${server.join(" ")})`, async () => {
      const run = bench([
        join(ROOT, "tests", "fixtures", "loops", "hello.ts"),
        ...server,
        "--engines",
        "kernel",
        "--peers",
        "none",
        "--scenarios",
        "hello",
        "--rounds",
        "1",
        "--duration",
        "60s",
        "--warmup",
        "100ms",
        "--no-wrk-check",
      ]);
      let seen: number[] = [];
      try {
        // Wait until the server serves under load: its process (and, with
        // loops on Node 20, its loop processes) and the generator's host run.
        const deadline = performance.now() + 90_000;
        const serving = () => {
          seen = descendants(run.child.pid!);
          return seen.some((p) => cmdline(p).includes("run-entry.ts")) && run.output().includes("r1 hello");
        };
        while (!serving()) {
          expect(performance.now() < deadline, `the run never started:\n${run.output()}`).toBe(true);
          expect(run.child.exitCode, run.output()).toBe(null);
          await sleep(100);
        }
        await sleep(500);
        seen = descendants(run.child.pid!);
        const started = seen.filter((p) => !cmdline(p).includes("bench/main.ts"));
        const serverPid = started.find((p) => cmdline(p).includes("run-entry.ts"))!;
        if ((server as readonly string[]).includes("--loops")) {
          expect(descendants(serverPid).length, "the server's loop processes").toBeGreaterThanOrEqual(2);
        }
        expect(started.some((p) => cmdline(p).includes("host.ts")), "the generator's host").toBe(true);
        if (to === "the command") run.child.kill(signal);
        else process.kill(seen.find((p) => cmdline(p).includes("bench/main.ts"))!, signal);
        const code = await Promise.race([run.exited, sleep(20_000).then(() => "timeout" as const)]);
        expect(code, run.output()).not.toBe("timeout");
        // Everything the bench started is gone at once, or within a moment (a parent-death signal).
        const until = performance.now() + 5_000;
        while (seen.some(alive) && performance.now() < until) await sleep(50);
        const left = seen.filter(alive).map((p) => `${p} ${cmdline(p)}`);
        expect(left, run.output()).toEqual([]);
        if (to === "the command") {
          expect(run.output()).toMatch(new RegExp(`triloop bench: ${signal}: stopped \\d+ process`));
          expect(code, "exit code: 128 + the signal's number").toBe(signal === "SIGTERM" ? 143 : 130);
        }
      } finally {
        cleanUp(run.child.pid!, seen.filter(alive));
      }
    }, 150_000);
  }
});

describe.skipIf(!canRun)("triloop bench checks the open-file limit first", () => {
  it("more idle connections than a process may open: one line, exit 2, nothing started", async () => {
    const limit = openFileLimit()!;
    const n = Number.isFinite(limit.soft) ? limit.soft + 1000 : 2_000_000;
    const run = bench(["--scenarios", "idle", "--idle-connections", String(n), "--runtimes", "node"]);
    const t0 = performance.now();
    const seen = new Map<number, string>();
    const watching = setInterval(() => {
      for (const p of descendants(run.child.pid!)) if (!seen.has(p)) seen.set(p, cmdline(p));
    }, 20);
    try {
      const code = await run.exited;
      expect(code, run.output()).toBe(2);
      expect(performance.now() - t0).toBeLessThan(30_000);
      const lines = run.output().trim().split("\n");
      expect(lines, run.output()).toHaveLength(1);
      expect(lines[0]).toMatch(
        new RegExp(
          `^triloop bench: --idle-connections ${n} needs \\d+ open files .* use --idle-connections \\d+ or fewer$`,
        ),
      );
      // No server or client was started.
      expect([...seen.values()].filter((c) => /run-entry|idle-client|echo\.|host\.ts/.test(c))).toEqual([]);
    } finally {
      clearInterval(watching);
      cleanUp(run.child.pid!, [...seen.keys()].filter(alive));
    }
  }, 60_000);
});
