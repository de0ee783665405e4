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

/** Starts an offload pool of Deno workers (PL1–PL12). */
export function createPool<T extends object = TaskModule>(options: PoolOptions): Pool<T> {
  return createPoolOn<T>({ spawnWorker, entry: ENTRY, cores: navigator.hardwareConcurrency }, options);
}

/** Starts a worker running the module at `url` (T1–T4). */
export function spawnWorker<S = undefined>(
  url: URL,
  handler: WorkerHandler<S>,
  options?: SpawnOptions,
): WorkerHandle<S> {
  return spawnWebWorker(url, handler, options, { closeEvent: false });
}

/** Inside a worker: the channel to its parent. */
export function parentPort(): ParentPort {
  return webParentPort(() => Deno.exitCode);
}
