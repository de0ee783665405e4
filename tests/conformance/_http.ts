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
import { useTls } from "./_http-client.ts";
import { TEST_TLS } from "./_tls.ts";
import type { RuntimeId } from "./skips.ts";

const READY = "TRILOOP-HTTP ";

/** A running fixture: where it listens, and how to stop it. */
export interface Fixture extends FixtureProcess {
  target: HttpTarget;
}

/** Starts the fixture servers under `id` with `engine` (over TLS with `tls`); rejects with the server's output if they fail. */
export async function startFixture(
  id: RuntimeId,
  engine: "kernel" | "native",
  tls = false,
): Promise<Fixture> {
  const args = ["--engine", engine, ...(tls ? ["--tls"] : [])];
  const p = await startFixtureProcess(id, "tests/conformance/http.runner.ts", args, READY);
  return {
    ...p,
    target: { runtime: id, engine, ports: p.ready.ports as HttpTarget["ports"], pid: p.ready.pid },
  };
}

/** Registers the whole HTTP suite for runtime `id` and `engine`. */
export function httpConformance(id: RuntimeId, engine: "kernel" | "native"): void {
  engineConformance("http", id, engine, httpSuite, () => startFixture(id, engine));
}

/**
 * The whole HTTP suite again over TLS (TL1): the fixture serves with the
 * test certificate, and every client of the cases (raw connections,
 * `fetch`, curl) trusts the test CA. Suite `http-tls` in skips.ts.
 */
export function httpTlsConformance(id: RuntimeId, engine: "kernel" | "native"): void {
  engineConformance("http-tls", id, engine, httpSuite, async () => {
    await useTls(TEST_TLS.ca);
    return startFixture(id, engine, true);
  });
}
