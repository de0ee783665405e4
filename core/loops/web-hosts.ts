/**
 * Loop hosts on Web Workers, as Bun and Deno run them: each loop is a worker
 * that binds the port with SO_REUSEPORT, so the kernel spreads the accepts.
 * The two adapters differ only in what they pass in.
 *
 * @module
 */

import { TriloopError } from "../errors.ts";
import type { LoopHosts, LoopPlan, ParentPort, SpawnOptions, WorkerHandle, WorkerHandler } from "../types.ts";

/** What a Web Worker runtime supplies. */
export interface WebLoopRuntime {
  /** `"Bun"` or `"Deno"`, for messages. */
  name: string;
  /** Whether the runtime's listeners take `reusePort` on this OS, or why not. */
  reusePort: true | { reason: string };
  /** The adapter's `spawnWorker` (T1–T4). */
  spawnWorker<S>(url: URL, handler: WorkerHandler<S>, options?: SpawnOptions): WorkerHandle<S>;
  /** The adapter's `parentPort`, inside a worker. */
  parentPort(): ParentPort;
  /** The adapter's loop entry: a module that runs `hostLoop`. */
  entry: URL;
  mainModule(): string;
  /** The adapter's {@link LoopHosts.reservePort}. */
  reservePort(hostname: string, port?: number): Promise<number>;
}

/** {@link LoopHosts} on Web Workers with reusePort. */
export function webLoopHosts(rt: WebLoopRuntime): LoopHosts {
  const plan: LoopPlan = {
    host: "thread",
    balance: "reuse-port",
    why: `${rt.name} Workers, each binding the port with reusePort; the kernel spreads the accepts`,
  };
  return {
    plan(host) {
      if (host === "process") {
        throw new TriloopError("TRI_ERR_INVALID_ARG", `${rt.name} runs loops as Workers only, not processes`);
      }
      if (rt.reusePort !== true) {
        throw new TriloopError("TRI_ERR_INVALID_ARG", `Loops need reusePort: ${rt.reusePort.reason}`);
      }
      return plan;
    },
    spawn: (_plan, handler, name) => rt.spawnWorker(rt.entry, handler, { name }),
    reservePort: rt.reservePort,
    cores: () => navigator.hardwareConcurrency,
    mainModule: rt.mainModule,
    // A worker needs no goodbye: the supervisor ends it once it reported.
    channel: () => ({ ...rt.parentPort(), done() {} }),
  };
}
