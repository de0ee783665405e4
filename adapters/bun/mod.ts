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
import type { Runtime } from "../../core/types.ts";
import { connect, listen } from "./listen.ts";

/** The kernel on Bun. */
export const runtime: Runtime = {
  name: "bun",
  version: Bun.version,
  capabilities: { reusePort: true },
  listen,
  connect,
  rss: () => process.memoryUsage.rss(),
};

export { connect, listen };
export * from "../../core/mod.ts";
