/**
 * Workers on Node.js: `node:worker_threads`
 * (https://nodejs.org/api/worker_threads.html).
 *
 * Node reports a worker's uncaught exception (`'error'`, with the error
 * itself) and its end (`'exit'`, with the code) on its own, so the handle
 * only folds the two into one `exit` (T1, T3).
 *
 * TypeScript in workers: on Node 20, loader hooks given to a worker through
 * `execArgv` (`--import tsx`) do not apply inside it (nodejs/node#47747), so
 * a worker starts from a tiny evaluated script that registers tsx's
 * CommonJS and ESM hooks with its API, then imports the module. Both: with
 * the ESM hook alone, a `.ts` file in a package without `"type": "module"`
 * fails (ERR_REQUIRE_CYCLE_MODULE). Not tsx's main export, which `--import
 * tsx` uses: imported inside a Node 20 worker it leaves the ESM hook out.
 * The parent's own tsx `--import` is dropped from the worker's `execArgv`
 * so hooks are not registered twice.
 *
 * Under Deno and Bun (a program importing `triloop/node` there), the worker
 * starts on the module itself: both run TypeScript without tsx, and both hand
 * a message that arrives before the worker has a `message` listener to no
 * one (Node keeps it until a listener comes), so the listener must be
 * attached while the entry evaluates, not after an asynchronous bootstrap.
 * The pool posts to a worker as soon as it exists.
 *
 * @module
 */

import os from "node:os";
import process from "node:process";
import { parentPort as nodeParentPort, type TransferListItem, Worker } from "node:worker_threads";
import { TriloopError } from "../../core/errors.ts";
import { createPoolOn } from "../../core/pool/pool.ts";
import type {
  ParentPort,
  Pool,
  PoolOptions,
  SpawnOptions,
  TaskModule,
  WorkerHandle,
  WorkerHandler,
} from "../../core/types.ts";

/** tsx's register APIs, on Node when installed (tsx is a dependency of triloop). */
const TSX = "Bun" in globalThis || "Deno" in globalThis ? undefined : tsxApis();

const ENTRY = new URL("./pool-worker.ts", import.meta.url);

/** Starts an offload pool of Node worker threads (PL1–PL12). */
export function createPool<T extends object = TaskModule>(options: PoolOptions): Pool<T> {
  return createPoolOn<T>({ spawnWorker, entry: ENTRY, cores: os.availableParallelism() }, options);
}

/** Starts a worker thread running the module at `url` (T1–T4). */
export function spawnWorker<S = undefined>(
  url: URL,
  handler: WorkerHandler<S>,
  options?: SpawnOptions,
): WorkerHandle<S> {
  return new NodeWorker(url, handler, options);
}

/** Inside a worker: the channel to its parent. */
export function parentPort(): ParentPort {
  const port = nodeParentPort;
  if (port === null) {
    throw new TriloopError("TRI_ERR_INVALID_ARG", "parentPort() works only inside a worker thread");
  }
  return {
    post: (message, transfer) => port.postMessage(message, transfer as TransferListItem[] | undefined),
    listen: (receive) => void port.on("message", receive),
  };
}

class NodeWorker<S> implements WorkerHandle<S> {
  state!: S;
  #w: Worker;
  #exited = false;
  #error: unknown;

  constructor(url: URL, handler: WorkerHandler<S>, options?: SpawnOptions) {
    this.#w = TSX === undefined
      ? new Worker(url, { name: options?.name })
      : new Worker(bootstrap(url, TSX), { eval: true, name: options?.name, execArgv: workerExecArgv() });
    this.#w.on("message", (data: unknown) => {
      if (!this.#exited) handler.message(this, data);
    });
    this.#w.on("error", (err: unknown) => {
      this.#error ??= err;
    });
    this.#w.on("exit", (code: number) => {
      if (this.#exited) return;
      this.#exited = true;
      handler.exit(this, { code, error: this.#error });
    });
  }

  post(message: unknown, transfer?: Transferable[]): void {
    if (this.#exited) return;
    this.#w.postMessage(message, transfer as TransferListItem[] | undefined);
  }

  terminate(): void {
    if (!this.#exited) this.#w.terminate().catch(() => {});
  }
}

/** The evaluated script a worker starts with on Node: tsx's hooks, then the module. */
function bootstrap(url: URL, tsx: { cjs: string; esm: string }): string {
  const [cjs, esm, entry] = [tsx.cjs, tsx.esm, url.href].map((s) => JSON.stringify(s));
  return `Promise.all([import(${cjs}), import(${esm})])` +
    `.then(([cjs, esm]) => { cjs.register(); esm.register(); return import(${entry}); });`;
}

function tsxApis(): { cjs: string; esm: string } | undefined {
  const cjs = resolveOrUndefined("tsx/cjs/api");
  const esm = resolveOrUndefined("tsx/esm/api");
  return cjs === undefined || esm === undefined ? undefined : { cjs, esm };
}

/** The parent's `execArgv` without tsx loader flags (the bootstrap registers tsx itself). */
function workerExecArgv(): string[] {
  const out: string[] = [];
  const argv = process.execArgv;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const loader = /^--(import|loader|experimental-loader|require)(=(.*))?$/.exec(flag);
    if (loader === null) {
      out.push(flag);
      continue;
    }
    const value = loader[3] ?? argv[i + 1] ?? "";
    if (loader[3] === undefined) i++;
    if (!value.includes("tsx")) out.push(flag, ...(loader[3] === undefined ? [value] : []));
  }
  return out;
}

function resolveOrUndefined(specifier: string): string | undefined {
  try {
    return import.meta.resolve(specifier);
  } catch {
    return undefined;
  }
}
