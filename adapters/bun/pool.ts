/**
 * Workers on Bun: the Web `Worker` (https://bun.sh/docs/api/workers).
 *
 * Bun fires a `close` event with the exit code when a worker ends, so exit
 * needs no help; its `error` event carries only a formatted message, so the
 * worker side reports its own uncaught errors with their stacks (the shared
 * Web Worker code in core/pool/web-worker.ts). Bun runs TypeScript as is.
 *
 * @module
 */

import { type WebWorkers, webWorkers } from "../../core/pool/web-worker.ts";

const workers: WebWorkers = webWorkers(
  new URL("./pool-worker.ts", import.meta.url),
  { closeEvent: true },
);

/** Starts an offload pool of Bun workers. */
export const createPool: WebWorkers["createPool"] = workers.createPool;
/** Starts a Bun worker running the module at `url`. */
export const spawnWorker: WebWorkers["spawnWorker"] = workers.spawnWorker;
/** Inside a worker: the channel to its parent. */
export const parentPort: WebWorkers["parentPort"] = workers.parentPort;
