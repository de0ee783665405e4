/**
 * triloop on Deno.
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

import type { Runtime, ServeOptions } from "../../core/types.ts";
import { serveWith } from "../../core/server/serve.ts";
import { kernelEngine } from "../../core/server/kernel.ts";
import { nativeEngine } from "./native.ts";
import { connect, listen } from "./listen.ts";
import { createPool, parentPort, spawnWorker } from "./pool.ts";
import { loopHosts } from "./loops.ts";

/** The kernel on Deno. */
export const runtime: Runtime = {
  name: "deno",
  version: Deno.version.deno,
  capabilities: {
    reusePort: Deno.build.os === "linux"
      ? true
      : { reason: "Deno supports reusePort on Linux only (and with --unstable-net)" },
    terminateBusyWorker: {
      reason: `Deno ${Deno.version.deno}: worker.terminate() does not stop a worker in an endless loop; ` +
        "its thread keeps a core busy until the process exits (measured; see denoland/deno#35657)",
    },
  },
  listen,
  connect,
  createPool,
  spawnWorker,
  parentPort,
  serve: (options: ServeOptions) =>
    serveWith(runtime, { kernel: kernelEngine, native: nativeEngine }, options),
  rss: () => Deno.memoryUsage().rss,
  loopHosts,
};

export { connect, listen };
export { createPool };
export * from "../../core/mod.ts";
