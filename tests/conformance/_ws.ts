/**
 * The vitest side of the WebSocket conformance suite: the fixture under one
 * runtime and engine (`ws.runner.ts` in a child process), and every case of
 * `ws-suite.ts` against it (`_engine-suite.ts`).
 *
 * @module
 */

import { engineConformance } from "./_engine-suite.ts";
import { type FixtureProcess, startFixtureProcess } from "./_spawn.ts";
import type { WsTarget } from "./_ws-case.ts";
import { wsSuite } from "./ws-suite.ts";
import type { RuntimeId } from "./skips.ts";

/** A running fixture: where it listens, and how to stop it. */
export interface WsFixture extends FixtureProcess {
  target: WsTarget;
}

/** Starts the WebSocket fixture servers under `id` with `engine`. */
export async function startWsFixture(id: RuntimeId, engine: "kernel" | "native"): Promise<WsFixture> {
  const p = await startFixtureProcess(
    id,
    "tests/conformance/ws.runner.ts",
    ["--engine", engine],
    "TRILOOP-WS ",
  );
  const { ports, pid, deflateContext } = p.ready;
  const target = {
    runtime: id,
    engine,
    ports: ports as WsTarget["ports"],
    pid,
    deflateContext: deflateContext !== false,
  };
  return { ...p, target };
}

/** Registers the whole WebSocket suite for runtime `id` and `engine`. */
export function wsConformance(id: RuntimeId, engine: "kernel" | "native"): void {
  engineConformance("ws", id, engine, wsSuite, () => startWsFixture(id, engine));
}
