/**
 * The vitest side of the HTTP conformance suite: starts the fixture under one
 * runtime and engine (`http.runner.ts` in a child process), then runs every
 * case of `http-suite.ts` against it from Node — serial cases one by one,
 * the rest concurrently. A runtime that is not installed, or a case listed in
 * `skips.ts` for that runtime and engine, shows as skipped with its reason.
 *
 * @module
 */

import { type ChildProcess, spawn } from "node:child_process";
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, it } from "vitest";
import { ROOT } from "../../cli/runtimes.mjs";
import { runtime } from "./_spawn.ts";
import { CaseSkip, type HttpTarget } from "./_http-case.ts";
import { httpSuite } from "./http-suite.ts";
import { engineSkipReason, type RuntimeId, skips } from "./skips.ts";

const READY = "TRILOOP-HTTP ";

/** A running fixture: where it listens, and how to stop it. */
export interface Fixture {
  target: HttpTarget;
  child: ChildProcess;
  /** Everything the server printed besides the ready line. */
  output(): string;
  stop(): Promise<void>;
}

/** Starts the fixture servers under `id` with `engine`; rejects with the server's output if they fail. */
export function startFixture(id: RuntimeId, engine: "kernel" | "native"): Promise<Fixture> {
  const [bin, ...argv] = runtime(id).argv(resolve(ROOT, "tests/conformance/http.runner.ts"), [
    "--engine",
    engine,
  ]);
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
        if (!line.startsWith(READY)) {
          output += line + "\n";
          continue;
        }
        clearTimeout(timer);
        const ready = JSON.parse(line.slice(READY.length));
        if (ready.error !== undefined) {
          fail(new Error(`fixture failed to start: ${ready.error}\n${output}`));
          continue;
        }
        done({
          target: { runtime: id, engine, ports: ready.ports, pid: ready.pid },
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

/** Registers the whole HTTP suite for runtime `id` and `engine`. */
export function httpConformance(id: RuntimeId, engine: "kernel" | "native"): void {
  const rt = runtime(id);
  const title = `http conformance on ${id} ${rt.version ?? ""} (${engine} engine)`;
  if (!rt.available) {
    describe.skip(`${title} — skipped: ${rt.reason}`, () => {
      it.skip("runtime not available", () => {});
    });
    return;
  }
  describe(title, () => {
    let fixture: Fixture | undefined;
    let startError: Error | undefined;
    beforeAll(async () => {
      try {
        fixture = await startFixture(id, engine);
      } catch (err) {
        startError = err as Error;
      }
    }, 40_000);
    afterAll(async () => {
      await fixture?.stop();
    });
    it("skips.ts names only cases of the suite", () => {
      const names = new Set(httpSuite.map((c) => c.name));
      const unknown = (skips.http?.[id] ?? []).flatMap((s) => s.tests).filter((n) => !names.has(n));
      if (unknown.length > 0) throw new Error(`skips.ts names no such case: ${unknown.join("; ")}`);
    });
    for (const c of httpSuite) {
      const reason = engineSkipReason("http", id, engine, c.name);
      if (reason !== undefined) {
        it.skip(`${c.name} — skipped on ${id} ${engine}: ${reason}`, () => {});
        continue;
      }
      (c.serial ? it : it.concurrent)(c.name, async (ctx) => {
        if (fixture === undefined) throw startError ?? new Error("fixture not started");
        try {
          await c.run(fixture.target);
        } catch (err) {
          if (err instanceof CaseSkip) return ctx.skip(err.reason);
          if (err instanceof Error) {
            err.message += `\n--- server output (last 2000 chars) ---\n${fixture.output().slice(-2000)}`;
          }
          throw err;
        }
      }, c.timeoutMs ?? 15_000);
    }
  });
}
