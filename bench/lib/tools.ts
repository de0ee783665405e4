/**
 * The external programs a bench run may use, the runtimes' version numbers,
 * and CPU placement by `taskset`.
 *
 * @module
 */

import { execFileSync } from "node:child_process";
import process from "node:process";
import type { RuntimeInfo } from "../../cli/runtimes.mjs";

/** The path of `bin` on PATH, or undefined. */
export function which(bin: string): string | undefined {
  try {
    return execFileSync("sh", ["-c", `command -v ${bin}`], { encoding: "utf8" }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Pins this process (all threads) to `cpus`; later threads and children inherit it. */
export function pinSelf(cpus: string): boolean {
  try {
    execFileSync("taskset", ["-a", "-p", "-c", cpus, String(process.pid)], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** `20.20.2` from `v20.20.2`, `2.9.6` from `deno 2.9.6 (stable, …)`. */
export function versionOf(rt: RuntimeInfo): string {
  return (rt.version ?? "?").replace(/^deno /, "").replace(/^v/, "").split(" ")[0];
}
