/**
 * Starts one server process and waits for its `listening on <url>` line;
 * stops it by pid. Servers may be pinned to CPUs with `taskset`, and are
 * started under `setpriv --pdeathsig` (lib/children.ts); both exec the
 * server, so the pid we hold is the server's own.
 *
 * @module
 */

import { spawn } from "node:child_process";
import process from "node:process";
import { createServer } from "node:net";
import { orphanGuard } from "../lib/children.ts";
import { processTree } from "../lib/proc.ts";

/** A running server. */
export interface Running {
  pid: number;
  port: number;
  /** The whole line it printed. */
  banner: string;
  /** Whether the process has exited. */
  readonly exited: boolean;
  /** The last lines it wrote (stdout and stderr), for error messages. */
  tail(): string;
  /** SIGTERM, then SIGKILL to what is left of its tree after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/** Options of {@link startServer}. */
export interface StartOptions {
  /** CPU list for `taskset -c` (e.g. "0"); none to leave it unpinned. */
  cpus?: string;
  /** Give up waiting for the banner after this long. Default 30 s. */
  timeoutMs?: number;
  cwd?: string;
}

const BANNER = /listening on (?:https?|tcp|tls):\/\/[^\s:]+:(\d+)/;

/** Runs `argv` and resolves once it prints its banner; rejects with its output otherwise. */
export function startServer(argv: string[], options: StartOptions = {}): Promise<Running> {
  const full = orphanGuard(options.cpus !== undefined ? ["taskset", "-c", options.cpus, ...argv] : argv);
  const child = spawn(full[0], full.slice(1), {
    cwd: options.cwd,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, NODE_ENV: "production" },
  });
  let output = "";
  let exited = false;
  const keep = (text: string) => {
    output = (output + text).slice(-8192);
  };
  const exit = new Promise<void>((resolve) => {
    child.on("exit", () => {
      exited = true;
      resolve();
    });
    child.on("error", (err) => {
      keep(`${err.message}\n`);
      exited = true;
      resolve();
    });
  });
  child.stderr!.setEncoding("utf8").on("data", keep);
  const running: Running = {
    pid: child.pid ?? -1,
    port: 0,
    banner: "",
    get exited() {
      return exited;
    },
    tail: () => output.trim().split("\n").slice(-40).join("\n"),
    async stop(graceMs = 3000) {
      if (exited) return;
      const tree = processTree(running.pid);
      child.kill("SIGTERM");
      const timer = new Promise<boolean>((r) => setTimeout(() => r(false), graceMs));
      const done = await Promise.race([exit.then(() => true), timer]);
      for (const pid of done ? tree.slice(1) : tree) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // already gone
        }
      }
      await exit;
    },
  };
  return new Promise((resolve, reject) => {
    let line = "";
    const timer = setTimeout(() => {
      running.stop(500);
      reject(new Error(`no 'listening on' line after ${options.timeoutMs ?? 30_000} ms:\n${running.tail()}`));
    }, options.timeoutMs ?? 30_000);
    child.stdout!.setEncoding("utf8").on("data", (text: string) => {
      keep(text);
      if (running.port !== 0) return;
      line += text;
      const m = BANNER.exec(line);
      if (m) {
        clearTimeout(timer);
        running.port = Number(m[1]);
        running.banner = line.slice(m.index).split("\n")[0];
        resolve(running);
      }
    });
    exit.then(() => {
      if (running.port !== 0) return;
      clearTimeout(timer);
      reject(new Error(running.tail() || "exited before listening"));
    });
  });
}

/** A port that was free a moment ago (for servers that need one given). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}
