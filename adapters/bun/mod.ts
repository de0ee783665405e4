/**
 * triloop on Bun.
 *
 * @example Echo server
 * ```ts
 * import { runtime } from "./mod.ts";
 * const listener = await runtime.listen({ port: 0 }, {
 *   data(conn, bytes) { conn.write(bytes.slice()); },
 * });
 * await listener.close();
 * ```
 *
 * @module
 */

import process from "node:process";
import type { Runtime, ServeOptions } from "../../core/types.ts";
import { serveWith } from "../../core/server/serve.ts";
import { kernelEngine } from "../../core/server/kernel.ts";
import { nativeEngine } from "./native.ts";
import { connect, listen } from "./listen.ts";
import { createPool, parentPort, spawnWorker } from "./pool.ts";
import { loopHosts } from "./loops.ts";

/** The kernel on Bun. */
export const runtime: Runtime = {
  name: "bun",
  version: Bun.version,
  capabilities: { reusePort: true, terminateBusyWorker: true },
  listen,
  connect,
  createPool,
  spawnWorker,
  parentPort,
  serve: (options: ServeOptions) =>
    serveWith(runtime, { kernel: kernelEngine, native: nativeEngine }, options),
  rss: () => process.memoryUsage.rss(),
  loopHosts,
};

export { connect, listen };
export { createPool };
export * from "../../core/mod.ts";
