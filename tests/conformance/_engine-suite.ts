/**
 * The vitest side of a suite run against a fixture server on one runtime and
 * engine (HTTP, WebSocket): starts the fixture (a runner in a child
 * process), then runs every case against it from Node — serial cases one by
 * one, the rest concurrently. A runtime that is not installed, or a case
 * listed in `skips.ts` for that runtime and engine, shows as skipped with
 * its reason.
 *
 * @module
 */

import { afterAll, beforeAll, describe, it } from "vitest";
import { type FixtureProcess, runtime } from "./_spawn.ts";
import { engineSkipReason, type RuntimeId, skips } from "./skips.ts";

/** Thrown by a case that cannot run here (a tool is missing); shown as a skip with the reason. */
export class CaseSkip extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

/** What the runner needs of a case. */
export interface EngineCase<T> {
  name: string;
  /** Runs alone; others run concurrently. */
  serial?: boolean;
  /** Default 15 s. */
  timeoutMs?: number;
  run(t: T): Promise<void>;
}

/** Registers `cases` of `suite` for runtime `id` and `engine`, against the fixture `start` starts. */
export function engineConformance<T>(
  suite: string,
  id: RuntimeId,
  engine: "kernel" | "native",
  cases: EngineCase<T>[],
  start: () => Promise<FixtureProcess & { target: T }>,
): void {
  const rt = runtime(id);
  const title = `${suite} conformance on ${id} ${rt.version ?? ""} (${engine} engine)`;
  if (!rt.available) {
    describe.skip(`${title} — skipped: ${rt.reason}`, () => {
      it.skip("runtime not available", () => {});
    });
    return;
  }
  describe(title, () => {
    let fixture: (FixtureProcess & { target: T }) | undefined;
    let startError: Error | undefined;
    beforeAll(async () => {
      try {
        fixture = await start();
      } catch (err) {
        startError = err as Error;
      }
    }, 40_000);
    afterAll(async () => {
      await fixture?.stop();
    });
    it("skips.ts names only cases of the suite", () => {
      const names = new Set(cases.map((c) => c.name));
      const unknown = (skips[suite]?.[id] ?? []).flatMap((s) => s.tests).filter((n) => !names.has(n));
      if (unknown.length > 0) throw new Error(`skips.ts names no such case: ${unknown.join("; ")}`);
    });
    for (const c of cases) {
      const reason = engineSkipReason(suite, id, engine, c.name);
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
