/**
 * CPU time and memory of a server's whole process tree, read from Linux
 * `/proc` (https://man7.org/linux/man-pages/man5/proc_pid_stat.5.html).
 *
 * Invariants:
 * - **BP1 threads-included**: a process's `utime + stime` already includes
 *   all its threads (live and exited), so threads are never summed twice.
 * - **BP2 children-summed**: live descendant processes (found through
 *   `/proc/<pid>/task/<tid>/children`) are read from their own `stat` and
 *   added; children that exited and were reaped are counted through their
 *   parent's `cutime + cstime`, so a child's time neither vanishes nor
 *   doubles when it exits between two samples.
 * - **BP3 rss-summed**: tree RSS is the sum of each process's resident pages.
 *
 * CPU figures are in µs, with the kernel's clock-tick resolution (10 ms at
 * the usual USER_HZ of 100): a run must last seconds for them to mean much.
 *
 * @module
 */

import { readdirSync, readFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import process from "node:process";

function sysconf(name: string, fallback: number): number {
  try {
    const v = Number(execFileSync("getconf", [name], { encoding: "utf8" }).trim());
    return v > 0 ? v : fallback;
  } catch {
    return fallback;
  }
}

/** Clock ticks per second of `/proc/<pid>/stat` times. */
export const CLOCK_TICKS = sysconf("CLK_TCK", 100);
/** Bytes per page of `/proc/<pid>/statm`. */
export const PAGE_SIZE = sysconf("PAGESIZE", 4096);

/** Whether this system has `/proc` to read. */
export function procAvailable(): boolean {
  try {
    readFileSync("/proc/self/stat");
    return true;
  } catch {
    return false;
  }
}

/** The fields of `/proc/<pid>/stat` the bench uses, times in clock ticks. */
export interface ProcStat {
  pid: number;
  ppid: number;
  utime: number;
  stime: number;
  cutime: number;
  cstime: number;
}

/**
 * Parses one `/proc/<pid>/stat` line. The command name (field 2) may hold
 * spaces and parentheses, so fields are counted from the last `)`.
 */
export function parseStat(line: string): ProcStat {
  const close = line.lastIndexOf(")");
  const pid = Number(line.slice(0, line.indexOf(" ")));
  // After ")": field 3 (state) is at index 0.
  const f = line.slice(close + 2).split(" ");
  return {
    pid,
    ppid: Number(f[1]),
    utime: Number(f[11]),
    stime: Number(f[12]),
    cutime: Number(f[13]),
    cstime: Number(f[14]),
  };
}

/** `/proc/<pid>/stat`, or undefined when the process is gone. */
export function readStat(pid: number): ProcStat | undefined {
  try {
    return parseStat(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return undefined;
  }
}

/** The live children of `pid` (of every one of its threads). */
export function childrenOf(pid: number): number[] {
  const out: number[] = [];
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      const text = readFileSync(`/proc/${pid}/task/${tid}/children`, "utf8").trim();
      if (text) { for (const c of text.split(" ")) out.push(Number(c)); }
    } catch {
      // the thread exited meanwhile
    }
  }
  return out;
}

/** `pid` and all its live descendants. */
export function processTree(pid: number): number[] {
  const out: number[] = [];
  const todo = [pid];
  while (todo.length > 0) {
    const p = todo.pop()!;
    if (out.includes(p)) continue;
    out.push(p);
    todo.push(...childrenOf(p));
  }
  return out;
}

/** CPU time of `pid`'s tree in µs (BP1, BP2). 0 when the process is gone. */
export function treeCpuMicros(pid: number): number {
  let ticks = 0;
  for (const p of processTree(pid)) {
    const s = readStat(p);
    if (s !== undefined) ticks += s.utime + s.stime + s.cutime + s.cstime;
  }
  return (ticks * 1e6) / CLOCK_TICKS;
}

/**
 * This process's own CPU time (all threads) and that of its children already
 * reaped (finished drivers like wrk), in µs: the load side's cost.
 */
export function selfCpuMicros(): { self: number; reaped: number } {
  const s = readStat(process.pid)!;
  return {
    self: ((s.utime + s.stime) * 1e6) / CLOCK_TICKS,
    reaped: ((s.cutime + s.cstime) * 1e6) / CLOCK_TICKS,
  };
}

/** Resident bytes of one process, from `/proc/<pid>/statm`. */
export function rssBytes(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/statm`, "utf8").split(" ");
    return Number(fields[1]) * PAGE_SIZE;
  } catch {
    return 0;
  }
}

/** Resident bytes of `pid`'s tree (BP3). */
export function treeRssBytes(pid: number): number {
  let sum = 0;
  for (const p of processTree(pid)) sum += rssBytes(p);
  return sum;
}

/**
 * Samples a tree's RSS every `everyMs` until stopped; `peak` is the highest
 * sum seen. Sampling, not VmHWM, because VmHWM is per process and never
 * falls, so it cannot give one run's peak on a server kept warm across runs.
 */
export class RssSampler {
  #pid: number;
  #timer: ReturnType<typeof setInterval>;
  peak = 0;

  constructor(pid: number, everyMs = 100) {
    this.#pid = pid;
    this.sample();
    this.#timer = setInterval(() => this.sample(), everyMs);
  }

  /** Takes one sample now. */
  sample(): number {
    const rss = treeRssBytes(this.#pid);
    if (rss > this.peak) this.peak = rss;
    return rss;
  }

  /** Stops sampling (after a last sample) and returns the peak. */
  stop(): number {
    clearInterval(this.#timer);
    this.sample();
    return this.peak;
  }
}
