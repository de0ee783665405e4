/**
 * The vitest side of the conformance suites: spawns a suite's runner under one
 * runtime, reads its `TRILOOP-CASE` lines, and turns each case into a vitest
 * test of the same name. A runtime that is not installed, or a case listed in
 * `skips.ts`, shows as skipped with its reason.
 *
 * @module
 */

import { type ChildProcess, spawn } from "node:child_process";
import { resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { findRuntimes, ROOT } from "../../cli/runtimes.mjs";
import { type CaseResult, RESULT_PREFIX } from "./harness.ts";
import { type RuntimeId, skipReason } from "./skips.ts";

/** A runtime as found by `cli/runtimes.mjs`. */
export interface FoundRuntime {
  id: RuntimeId;
  kind: "node" | "bun" | "deno";
  bin: string;
  version?: string;
  available: boolean;
  reason?: string;
  argv(script: string, args?: string[]): string[];
}

let cached: FoundRuntime[] | undefined;

/** Every runtime, found once per test file. */
export function runtimes(): FoundRuntime[] {
  return (cached ??= findRuntimes() as FoundRuntime[]);
}

/** The runtime with `id`. */
export function runtime(id: RuntimeId): FoundRuntime {
  return runtimes().find((r) => r.id === id)!;
}

/** Runs `script` under `id` and collects the case results it prints. */
export function runRunner(
  id: RuntimeId,
  script: string,
  args: string[] = [],
): Promise<{ results: Map<string, CaseResult>; output: string; code: number | null }> {
  const rt = runtime(id);
  const [bin, ...argv] = rt.argv(resolve(ROOT, script), args);
  return new Promise((done) => {
    const child = spawn(bin, argv, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    const results = new Map<string, CaseResult>();
    let output = "";
    let pending = "";
    child.stdout.setEncoding("utf8").on("data", (text: string) => {
      pending += text;
      let nl: number;
      while ((nl = pending.indexOf("\n")) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        if (line.startsWith(RESULT_PREFIX)) {
          const r = JSON.parse(line.slice(RESULT_PREFIX.length)) as CaseResult;
          results.set(r.name, r);
        } else output += line + "\n";
      }
    });
    child.stderr.setEncoding("utf8").on("data", (text: string) => (output += text));
    child.on("close", (code) => done({ results, output, code }));
  });
}

/**
 * Registers one vitest test per case of `suite` on runtime `id`. The runner
 * runs all of them in one process (`beforeAll`); each test reports its case.
 */
export function conformance(id: RuntimeId, suite: string, caseNames: string[], script: string): void {
  const rt = runtime(id);
  const title = `${suite} conformance on ${id} ${rt.version ?? ""}`.trim();
  if (!rt.available) {
    describe.skip(`${title} — skipped: ${rt.reason}`, () => {
      it.skip("runtime not available", () => {});
    });
    return;
  }
  describe(title, () => {
    let run: Awaited<ReturnType<typeof runRunner>>;
    beforeAll(async () => {
      const wanted = caseNames.filter((n) => skipReason(suite, id, n) === undefined);
      run = await runRunner(id, script, wanted.length === caseNames.length ? [] : wanted);
    });
    for (const name of caseNames) {
      const reason = skipReason(suite, id, name);
      if (reason !== undefined) {
        it.skip(`${name} — skipped on ${id}: ${reason}`, () => {});
        continue;
      }
      it(name, () => {
        const r = run.results.get(name);
        if (r === undefined) {
          throw new Error(`case did not report (runner exit ${run.code}):\n${run.output.slice(-4000)}`);
        }
        expect(r.ok, r.error).toBe(true);
      });
    }
  });
}

/** A fixture server process started by {@link startFixtureProcess}. */
export interface FixtureProcess {
  /** The JSON of its ready line. */
  ready: { pid: number; ports: Record<string, number>; version?: string; [more: string]: unknown };
  child: ChildProcess;
  /** Everything the server printed besides the ready line. */
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts `script` under `id` and waits for its `<ready>{json}` line (ports
 * and pid); rejects with the server's output if it fails or is silent 30 s.
 */
export function startFixtureProcess(
  id: RuntimeId,
  script: string,
  args: string[],
  ready: string,
): Promise<FixtureProcess> {
  const [bin, ...argv] = runtime(id).argv(resolve(ROOT, script), args);
  const child = spawn(bin, argv, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  return new Promise((done, fail) => {
    let pending = "";
    const timer = setTimeout(() => fail(new Error(`fixture did not start in 30 s:\n${output}`)), 30_000);
    child.stderr!.setEncoding("utf8").on("data", (text: string) => (output += text));
    child.stdout!.setEncoding("utf8").on("data", (text: string) => {
      pending += text;
      let nl: number;
      while ((nl = pending.indexOf("\n")) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        if (!line.startsWith(ready)) {
          output += line + "\n";
          continue;
        }
        clearTimeout(timer);
        const json = JSON.parse(line.slice(ready.length));
        if (json.error !== undefined) {
          fail(new Error(`fixture failed to start: ${json.error}\n${output}`));
          continue;
        }
        done({
          ready: json,
          child,
          output: () => output,
          async stop() {
            if (child.exitCode === null) child.kill("SIGKILL");
            await exited;
          },
        });
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      fail(new Error(`fixture exited (${code}):\n${output}`));
    });
  });
}
