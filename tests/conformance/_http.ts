/**
 * The vitest side of the HTTP conformance suite: the fixture under one
 * runtime and engine (`http.runner.ts` in a child process), and every case
 * of `http-suite.ts` against it (`_engine-suite.ts`).
 *
 * @module
 */

import { engineConformance } from "./_engine-suite.ts";
import { type FixtureProcess, startFixtureProcess } from "./_spawn.ts";
import type { HttpTarget } from "./_http-case.ts";
import { httpSuite } from "./http-suite.ts";
import type { RuntimeId } from "./skips.ts";

const READY = "TRILOOP-HTTP ";

/** A running fixture: where it listens, and how to stop it. */
export interface Fixture extends FixtureProcess {
  target: HttpTarget;
}

/** Starts the fixture servers under `id` with `engine`; rejects with the server's output if they fail. */
export async function startFixture(id: RuntimeId, engine: "kernel" | "native"): Promise<Fixture> {
  const p = await startFixtureProcess(id, "tests/conformance/http.runner.ts", ["--engine", engine], READY);
  return {
    ...p,
    target: { runtime: id, engine, ports: p.ready.ports as HttpTarget["ports"], pid: p.ready.pid },
  };
}

/** Registers the whole HTTP suite for runtime `id` and `engine`. */
export function httpConformance(id: RuntimeId, engine: "kernel" | "native"): void {
  engineConformance("http", id, engine, httpSuite, () => startFixture(id, engine));
}
