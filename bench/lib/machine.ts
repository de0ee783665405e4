/**
 * The machine a bench ran on, for the JSON record: CPU model and count,
 * memory, kernel, runtime versions, date and the command line.
 *
 * @module
 */

import { readFileSync } from "node:fs";
import * as os from "node:os";
import process from "node:process";

/** Where and when a bench ran. */
export interface Machine {
  cpuModel: string;
  cores: number;
  memoryBytes: number;
  kernel: string;
  /** Runtime id → version string. */
  runtimes: Record<string, string>;
  /** The Node running the orchestrator (and the load threads, when `generator` is not set). */
  generatorNode: string;
  /** Where the load threads ran, e.g. "bun 1.4.5 (child process)". */
  generator?: string;
  date: string;
  command: string;
  /** How server and generator were placed on CPUs. */
  pinning: string;
}

/** The CPU model, from /proc/cpuinfo (or os.cpus()). */
export function cpuModel(): string {
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"));
    if (m) return m[1].trim();
  } catch {
    // not Linux
  }
  return os.cpus()[0]?.model ?? "unknown";
}

/**
 * Describes this machine. `cores` is every CPU the machine has (not this
 * process's affinity, which the bench narrows when it pins itself).
 */
export function machine(
  runtimes: Record<string, string>,
  command: string,
  pinning: string,
  generator?: string,
): Machine {
  return {
    cpuModel: cpuModel(),
    cores: os.cpus().length,
    memoryBytes: os.totalmem(),
    kernel: `${os.type()} ${os.release()}`,
    runtimes,
    generatorNode: process.version,
    generator,
    date: new Date().toISOString(),
    command,
    pinning,
  };
}
