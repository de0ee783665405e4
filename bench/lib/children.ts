/**
 * Nothing a bench starts outlives it. Servers, the idle client, the load
 * generator's host and drivers are all descendants of the bench process, so
 * on any exit — the end, an error, SIGINT, SIGTERM, SIGHUP — the bench ends
 * its whole process tree (found in `/proc`, as {@link processTree} finds a
 * server's). A SIGKILL of the bench cannot be caught: servers are started
 * with a parent-death signal for that ({@link orphanGuard}); the generator's
 * host and the idle client end by themselves when their stdin closes.
 *
 * @module
 */

import process from "node:process";
import { processTree } from "./proc.ts";
import { which } from "./tools.ts";

/** Signals that end a bench, and its exit code after each (128 + the signal's number). */
const SIGNALS: [NodeJS.Signals, number][] = [["SIGINT", 130], ["SIGTERM", 143], ["SIGHUP", 129]];

/** SIGKILLs every live descendant of this process; returns their pids. */
export function endDescendants(): number[] {
  // The whole tree is read before anything is killed: a killed parent's
  // children would be re-parented out of it.
  const pids = processTree(process.pid).slice(1);
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // gone already
    }
  }
  return pids;
}

/**
 * Ends every descendant when this process exits, however it exits but
 * SIGKILL; on a signal, says so through `log` first and exits 128 + its
 * number. Call once, at the start of a program that starts processes.
 */
export function endDescendantsOnExit(log: (line: string) => void = (l) => console.error(l)): void {
  process.on("exit", () => endDescendants());
  for (const [signal, code] of SIGNALS) {
    process.on(signal, () => {
      const pids = endDescendants();
      log(
        `triloop bench: ${signal}: stopped ${pids.length} process${pids.length === 1 ? "" : "es"} it started`,
      );
      process.exit(code);
    });
  }
}

let setpriv: string | undefined | null = null;

/**
 * `argv` run so that the process dies with the bench even when the bench is
 * SIGKILLed: `setpriv --pdeathsig KILL` (util-linux) sets the parent-death
 * signal and execs the command, keeping its pid. Where setpriv is missing,
 * `argv` as is.
 */
export function orphanGuard(argv: string[]): string[] {
  if (setpriv === null) setpriv = which("setpriv");
  return setpriv === undefined ? argv : [setpriv, "--pdeathsig", "KILL", "--", ...argv];
}
