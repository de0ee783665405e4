/**
 * The external programs a bench run may use, and CPU placement by `taskset`.
 *
 * @module
 */

import { execFileSync } from "node:child_process";
import process from "node:process";

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
