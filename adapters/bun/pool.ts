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

import { createPoolOn } from "../../core/pool/pool.ts";
import { spawnWebWorker, webParentPort } from "../../core/pool/web-worker.ts";
import type {
  ParentPort,
  Pool,
  PoolOptions,
  SpawnOptions,
  TaskModule,
  WorkerHandle,
  WorkerHandler,
} from "../../core/types.ts";

const ENTRY = new URL("./pool-worker.ts", import.meta.url);

/** Starts an offload pool of Bun workers (PL1–PL12). */
export function createPool<T extends object = TaskModule>(options: PoolOptions): Pool<T> {
  return createPoolOn<T>({ spawnWorker, entry: ENTRY, cores: navigator.hardwareConcurrency }, options);
}

/** Starts a worker running the module at `url` (T1–T4). */
export function spawnWorker<S = undefined>(
  url: URL,
  handler: WorkerHandler<S>,
  options?: SpawnOptions,
): WorkerHandle<S> {
  return spawnWebWorker(url, handler, options, { closeEvent: true });
}

/** Inside a worker: the channel to its parent. */
export function parentPort(): ParentPort {
  return webParentPort();
}
