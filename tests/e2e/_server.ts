/**
 * Starts an example the way a user does — `node cli/triloop.mjs serve <entry>
 * --runtime <id> --port 0 --hostname 127.0.0.1` — and hands the test its
 * port, the pid of the process that really serves (the launcher's child: the
 * runtime running `cli/run-entry.ts`), and `stop()`. For every black-box
 * end-to-end test (RESP, HTTP, slow reader) on every runtime.
 *
 * Also: reading a process's memory from `/proc` (RSS now and its peak), and
 * finding a command-line tool so a test can skip with a reason without it.
 *
 * @example A test against the echo example on Bun
 * ```ts
 * import { startServer } from "./_server.ts";
 * const server = await startServer("bun", "examples/echo.ts");
 * try {
 *   // connect to 127.0.0.1:server.port ...
 * } finally {
 *   await server.stop();
 * }
 * ```
 *
 * @module
 */

import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { delimiter, join, resolve } from "node:path";
import process from "node:process";
import { ROOT } from "../../cli/runtimes.mjs";

/** A server started by {@link startServer}. */
export interface StartedServer {
  /** The scheme the server printed: `"tcp"` or `"http"`. */
  readonly scheme: string;
  readonly hostname: string;
  readonly port: number;
  /**
   * The pid of the runtime process that serves (the launcher's child). Equal
   * to `launcherPid` only where `/proc` cannot tell children apart.
   */
  readonly pid: number;
  /** The pid of `cli/triloop.mjs`. */
  readonly launcherPid: number;
  /** Everything the server printed so far (stdout and stderr, the last 64 KiB). */
  output(): string;
  /** Whether the launcher has exited. */
  readonly exited: boolean;
  /** SIGTERM to the server, then SIGKILL to both after `graceMs`; resolves once the launcher is gone. */
  stop(graceMs?: number): Promise<void>;
}

/** Options of {@link startServer}. */
export interface StartOptions {
  /** Give up if the `listening on` line has not come after this long. Default 60 s. */
  timeoutMs?: number;
  /** More `serve` flags, e.g. `["--loops", "2"]`. Default none. */
  args?: string[];
  /** Extra environment. Default none. */
  env?: Record<string, string>;
}

const LISTENING = /listening on (\w+):\/\/([^\s:]+|\[[^\]]+\]):(\d+)/;
const KEEP_OUTPUT = 64 * 1024;

/** Every launcher still running, so a crashed test run does not leave servers behind. */
const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of running) {
    for (const pid of [childOf(child.pid!), child.pid]) {
      if (pid !== undefined) kill(pid, "SIGKILL");
    }
  }
});

/**
 * Starts `entry` (a path relative to the package root) under `runtime`
 * (`"node"`, `"node24"`, `"bun"`, `"deno"`) and resolves once it prints its
 * `listening on` line. Rejects, with the server's output, if it exits first
 * or takes longer than `timeoutMs`.
 */
export function startServer(
  runtime: string,
  entry: string,
  options: StartOptions = {},
): Promise<StartedServer> {
  const argv = [
    join(ROOT, "cli", "triloop.mjs"),
    "serve",
    resolve(ROOT, entry),
    "--runtime",
    runtime,
    "--port",
    "0",
    "--hostname",
    "127.0.0.1",
    ...(options.args ?? []),
  ];
  const child = spawn(process.execPath, argv, {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...options.env },
  });
  running.add(child);
  let out = "";
  let exited = false;
  const gone = new Promise<void>((done) =>
    child.once("exit", () => {
      exited = true;
      running.delete(child);
      done();
    })
  );
  const collect = (text: string) => {
    out += text;
    if (out.length > 2 * KEEP_OUTPUT) out = out.slice(-KEEP_OUTPUT);
  };
  child.stderr!.setEncoding("utf8").on("data", collect);
  child.stdout!.setEncoding("utf8");

  return new Promise<StartedServer>((ready, fail) => {
    const timeoutMs = options.timeoutMs ?? 60_000;
    const timer = setTimeout(() => {
      fail(new Error(`${runtime}: no 'listening on' line after ${timeoutMs} ms:\n${out}`));
      void stop(child, gone, 0);
    }, timeoutMs);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      fail(new Error(`${runtime}: server exited (${code ?? signal}) before listening:\n${out}`));
    });
    let line = "";
    child.stdout!.on("data", (text: string) => {
      collect(text);
      line += text;
      const m = LISTENING.exec(line);
      if (m === null) {
        line = line.slice(-1024);
        return;
      }
      line = "";
      clearTimeout(timer);
      child.stdout!.removeAllListeners("data");
      child.stdout!.on("data", collect);
      const pid = childOf(child.pid!) ?? child.pid!;
      ready({
        scheme: m[1],
        hostname: m[2],
        port: Number(m[3]),
        pid,
        launcherPid: child.pid!,
        output: () => out,
        get exited() {
          return exited;
        },
        stop: (graceMs = 5000) => stop(child, gone, graceMs, pid),
      });
    });
  });
}

async function stop(child: ChildProcess, gone: Promise<void>, graceMs: number, pid?: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  // The server handles SIGTERM (closes its listener, exits); the launcher
  // exits with it. Signalling the launcher would work too, via forwarding.
  kill(pid ?? child.pid!, graceMs > 0 ? "SIGTERM" : "SIGKILL");
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<"late">((r) => (timer = setTimeout(() => r("late"), graceMs)));
  if ((await Promise.race([gone, late])) === "late") {
    if (pid !== undefined) kill(pid, "SIGKILL");
    kill(child.pid!, "SIGKILL");
    await gone;
  }
  clearTimeout(timer);
}

function kill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/** The first child of `pid`, from `/proc` (every thread's `children` file), if any. */
export function childOf(pid: number): number | undefined {
  const tasks = `/proc/${pid}/task`;
  if (!existsSync(tasks)) return undefined;
  for (const tid of readdirSync(tasks)) {
    try {
      const kids = readFileSync(join(tasks, tid, "children"), "utf8").trim();
      if (kids !== "") return Number(kids.split(/\s+/)[0]);
    } catch {
      // the kernel lacks CONFIG_PROC_CHILDREN: scan every process's parent below
      break;
    }
  }
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // pid (comm) state ppid ...; comm may hold spaces, so split after the last ')'.
      if (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === pid) return Number(entry);
    } catch {
      // exited meanwhile
    }
  }
  return undefined;
}

/** A process's resident memory in bytes: now (`VmRSS`) and its peak (`VmHWM`). */
export interface Memory {
  rss: number;
  peak: number;
}

/** `pid`'s memory from `/proc/<pid>/status`, or `undefined` without `/proc` (or once it exited). */
export function memoryOf(pid: number): Memory | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = (field: string) =>
      Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN) * 1024;
    const m = { rss: kb("VmRSS"), peak: kb("VmHWM") };
    return Number.isFinite(m.rss) && Number.isFinite(m.peak) ? m : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Resets `pid`'s peak RSS (`VmHWM`) to its current RSS (Linux ≥ 4.0,
 * `echo 5 > /proc/<pid>/clear_refs`), so a peak measures one phase rather
 * than start-up. False where that is not possible.
 */
export function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, "5");
    return true;
  } catch {
    return false;
  }
}

/** The path of `tool` on PATH, or `undefined` (a test then skips, printing why). */
export function findTool(tool: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    const p = join(dir, tool);
    if (dir !== "" && existsSync(p) && spawnSync("test", ["-x", p]).status === 0) return p;
  }
  return undefined;
}
