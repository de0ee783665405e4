/**
 * triloop on Node.js.
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

/** The kernel on Node.js. */
export const runtime: Runtime = {
  name: "node",
  version: process.versions.node,
  capabilities: {
    reusePort: reusePortSupported() ? true : {
      reason: `Node ${process.versions.node} has no reusePort in net.Server.listen (added in 22.12 / 23.1)`,
    },
    terminateBusyWorker: true,
  },
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

function reusePortSupported(): boolean {
  const [major, minor] = process.versions.node.split(".").map(Number);
  return major > 23 || (major === 23 && minor >= 1) || (major === 22 && minor >= 12);
}

export { connect, listen };
export { createPool };
export * from "../../core/mod.ts";
