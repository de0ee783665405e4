import { spawn } from "node:child_process";
import process from "node:process";
import { describe, expect, it } from "vitest";
import {
  CLOCK_TICKS,
  parseStat,
  procAvailable,
  processTree,
  treeCpuMicros,
  treeRssBytes,
} from "../../bench/lib/proc.ts";

// A process that spends CPU in every place a server can: its main thread, a
// worker thread that has exited, a child process it waited for (reaped), and
// a child process still alive. Each reports its own getrusage figure
// (process.cpuUsage), which /proc must add up to.
const BURNER = String.raw`
const { spawn, spawnSync } = require("node:child_process");
const { Worker } = require("node:worker_threads");
const burn = "const t = Date.now(); while (Date.now() - t < 150) {}";
const usage = "const u = process.cpuUsage(); process.stdout.write(String(u.user + u.system) + '\\n');";
eval(burn);
new Worker(burn, { eval: true }).on("exit", () => {
  const reaped = Number(spawnSync(process.execPath, ["-e", burn + usage], { encoding: "utf8" }).stdout);
  const live = spawn(process.execPath, ["-e", burn + usage + "process.stdin.resume()"], { stdio: ["pipe", "pipe", "inherit"] });
  live.stdout.once("data", (d) => {
    const u = process.cpuUsage();
    process.stdout.write(JSON.stringify({ self: u.user + u.system, reaped, live: Number(String(d)), livePid: live.pid }) + "\n");
    process.stdin.on("end", () => { live.stdin.end(); });
    process.stdin.resume();
  });
});
`;

describe.skipIf(!procAvailable())("server CPU accounting from /proc", () => {
  it("parses stat lines whose command holds spaces and parentheses", () => {
    const line = "4242 (we(ird) na me) S 1 4242 4242 0 -1 4194560 100 0 0 0 " +
      "250 50 7 3 20 0 1 0 12345 1000000 300 18446744073709551615";
    expect(parseStat(line)).toEqual({ pid: 4242, ppid: 1, utime: 250, stime: 50, cutime: 7, cstime: 3 });
  });

  it("BP1/BP2: sums the process (with its exited thread), its reaped child and its live child", async () => {
    const child = spawn(process.execPath, ["-e", BURNER], { stdio: ["pipe", "pipe", "inherit"] });
    try {
      const report = await new Promise<{ self: number; reaped: number; live: number; livePid: number }>(
        (resolve) => {
          let out = "";
          child.stdout.setEncoding("utf8").on("data", (t: string) => {
            out += t;
            if (out.includes("\n")) resolve(JSON.parse(out));
          });
        },
      );
      const tree = processTree(child.pid!);
      expect(tree).toContain(child.pid);
      expect(tree).toContain(report.livePid);
      const measured = treeCpuMicros(child.pid!);
      const expected = report.self + report.reaped + report.live;
      // Each process's figure is rounded to clock ticks; allow two ticks per process and 5 %.
      const slack = 3 * 2 * (1e6 / CLOCK_TICKS) + 0.05 * expected;
      expect(expected).toBeGreaterThan(4 * 100_000); // four 150 ms burns happened
      expect(Math.abs(measured - expected)).toBeLessThan(slack);
      expect(treeRssBytes(child.pid!)).toBeGreaterThan(10 * 1024 * 1024); // two live Node processes
    } finally {
      child.stdin.end();
      await new Promise((r) => child.on("exit", r));
    }
  });

  it("a process that is gone counts as nothing", () => {
    expect(treeCpuMicros(2 ** 22 + 12345)).toBe(0);
    expect(treeRssBytes(2 ** 22 + 12345)).toBe(0);
  });
});
