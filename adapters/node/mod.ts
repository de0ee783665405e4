/**
 * triloop on Node.js: `runtime` (listen, connect, serve, createPool,
 * spawnWorker), and what every entry point shares: the error codes,
 * `getConnInfo`, `currentLoop`, `withTransfer`, `startWatchdog` and the
 * contract types (core/mod.ts). `import … from "triloop"` picks this entry
 * on Node, and on any runtime without an export condition of its own;
 * `triloop/node` names it.
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

import type { Runtime } from "../../core/types.ts";
import { adapter } from "./adapter.ts";

/** The kernel on Node.js. */
export const runtime: Runtime = adapter;

export * from "../../core/mod.ts";
