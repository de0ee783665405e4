/**
 * Workers on Deno: the Web `Worker` with `type: "module"`
 * (https://docs.deno.com/runtime/reference/web_platform_apis/#web-workers).
 *
 * Deno fires no event in the parent when a worker exits by itself
 * (`Deno.exit`, `process.exit`, `close()`), so the worker side announces its
 * exit, with `Deno.exitCode`, from `unload` (the shared Web Worker code in
 * core/pool/web-worker.ts). Deno runs TypeScript as is; workers inherit the
 * parent's permissions.
 *
 * @module
 */

import { type WebWorkers, webWorkers } from "../../core/pool/web-worker.ts";

const workers: WebWorkers = webWorkers(
  new URL("./pool-worker.ts", import.meta.url),
  { closeEvent: false },
  () => Deno.exitCode,
);

/** Starts an offload pool of Deno workers. */
export const createPool: WebWorkers["createPool"] = workers.createPool;
/** Starts a Deno worker running the module at `url`. */
export const spawnWorker: WebWorkers["spawnWorker"] = workers.spawnWorker;
/** Inside a worker: the channel to its parent. */
export const parentPort: WebWorkers["parentPort"] = workers.parentPort;
