/**
 * Starts an example through the CLI (`triloop serve <entry> --runtime …
 * --engine …`) and returns where it listens and how to stop it. Private to
 * the HTTP tests until the shared `tests/e2e/_server.ts` lands.
 *
 * @module
 */

import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { ROOT } from "../../cli/runtimes.mjs";
import type { RuntimeId } from "./skips.ts";

/** A server started by the CLI. */
export interface RunningServer {
  port: number;
  /** The launcher's pid (the server runs as its child). */
  pid: number;
  output(): string;
  /** SIGTERM (a graceful close), then SIGKILL to both processes after 10 s. */
  stop(): Promise<void>;
}

/** The children of `pid`, from /proc (empty if the kernel does not list them). */
function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

/** Serves `entry` under runtime `id` with `engine` on a free port. */
export function serveExample(
  entry: string,
  id: RuntimeId,
  engine: "kernel" | "native",
): Promise<RunningServer> {
  const child: ChildProcess = spawn(process.execPath, [
    resolve(ROOT, "cli/triloop.mjs"),
    "serve",
    resolve(ROOT, entry),
    "--runtime",
    id,
    "--engine",
    engine,
    "--port",
    "0",
    "--grace",
    "1000",
  ], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  return new Promise((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`${entry} did not start in 30 s:\n${output}`)), 30_000);
    child.stderr!.setEncoding("utf8").on("data", (t: string) => (output += t));
    child.stdout!.setEncoding("utf8").on("data", (t: string) => {
      output += t;
      const m = /listening on http:\/\/[^:]+:(\d+)/.exec(output);
      if (m === null) return;
      clearTimeout(timer);
      done({
        port: Number(m[1]),
        pid: child.pid!,
        output: () => output,
        async stop() {
          if (child.exitCode !== null) return;
          const kids = childrenOf(child.pid!);
          child.kill("SIGTERM");
          const t = setTimeout(() => {
            for (const pid of kids) {
              try {
                process.kill(pid, "SIGKILL");
              } catch {
                // already gone
              }
            }
            child.kill("SIGKILL");
          }, 10_000);
          await exited;
          clearTimeout(t);
        },
      });
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      fail(new Error(`${entry} exited (${code}) before listening:\n${output}`));
    });
  });
}
