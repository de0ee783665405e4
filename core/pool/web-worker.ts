/**
 * Workers on the Web `Worker` API
 * (https://html.spec.whatwg.org/multipage/workers.html), as Bun and Deno
 * implement it: both sides of {@link WorkerHandle}, shared by their adapters.
 *
 * The Web API has no event for "the worker is gone", and the two runtimes
 * fill the gap differently, so each adapter states its quirks as data:
 * - Bun fires a `close` event with the exit code (`closeEvent: true`), but
 *   its `error` event carries only a formatted message;
 * - Deno fires nothing when a worker exits by itself (Deno's `exit()`,
 *   node:process `exit()`, `close()`), and an uncaught error in a worker whose
 *   `error` event is not handled is printed and re-thrown in the parent.
 *
 * So the worker side ({@link webParentPort}) reports its own uncaught errors
 * (with their stacks) and, where asked, its exit, as one {@link ControlMessage};
 * the parent side ends the worker on a fatal error and reports `exit` once.
 *
 * @module
 */

import type { ParentPort, Runtime, SpawnOptions, WorkerExit, WorkerHandle, WorkerHandler } from "../types.ts";
import { CONTROL, type ControlMessage, isControl } from "./protocol.ts";
import { createPoolOn } from "./pool.ts";
import { fromWire, toWire } from "../_shared/wire-error.ts";

/** How a runtime's Web Worker differs from what {@link WorkerHandle} needs. */
export interface WebWorkerQuirks {
  /** The runtime fires `close` with `code` when a worker ends (Bun). Otherwise exit is announced or synthesized. */
  closeEvent: boolean;
}

/** The worker functions of a runtime whose workers are Web Workers: what its adapter exports. */
export type WebWorkers = Pick<Runtime, "createPool" | "spawnWorker" | "parentPort">;

/**
 * The worker functions of a Web Worker runtime. `poolEntry` is the adapter's
 * pool worker module; `exitCode`, for a runtime that fires nothing when a
 * worker exits (see {@link webParentPort}), reads the code a worker exits with.
 */
export function webWorkers(
  poolEntry: URL,
  quirks: WebWorkerQuirks,
  exitCode?: () => number | undefined,
): WebWorkers {
  const workers: WebWorkers = {
    createPool: (options) =>
      createPoolOn({
        spawnWorker: workers.spawnWorker,
        entry: poolEntry,
        cores: navigator.hardwareConcurrency,
      }, options),
    spawnWorker: (url, handler, options) => spawnWebWorker(url, handler, options, quirks),
    parentPort: () => webParentPort(exitCode),
  };
  return workers;
}

/** Starts a Web Worker running the module at `url` (T1–T4). */
export function spawnWebWorker<S>(
  url: URL,
  handler: WorkerHandler<S>,
  options: SpawnOptions | undefined,
  quirks: WebWorkerQuirks,
): WorkerHandle<S> {
  return new WebWorkerHandle(url, handler, options, quirks);
}

class WebWorkerHandle<S> implements WorkerHandle<S> {
  state!: S;
  #w: Worker;
  #handler: WorkerHandler<S>;
  #closeEvent: boolean;
  #terminating = false;
  #exited = false;
  #error: unknown;

  constructor(
    url: URL,
    handler: WorkerHandler<S>,
    options: SpawnOptions | undefined,
    quirks: WebWorkerQuirks,
  ) {
    this.#handler = handler;
    this.#closeEvent = quirks.closeEvent;
    this.#w = new Worker(url.href, { type: "module", name: options?.name });
    this.#w.onmessage = (event) => this.#message(event.data);
    // An error the worker did not report itself (its module failed to load):
    // handled here, so it never reaches the parent's own error handling (T3).
    this.#w.onerror = (event) => {
      event.preventDefault();
      this.#error ??= new Error(event.message);
      this.terminate();
    };
    if (this.#closeEvent) {
      this.#w.addEventListener("close", (event) => this.#exit((event as Event & { code?: number }).code));
    }
  }

  post(message: unknown, transfer?: Transferable[]): void {
    if (this.#exited || this.#terminating) return;
    if (transfer === undefined) this.#w.postMessage(message);
    else this.#w.postMessage(message, transfer);
  }

  terminate(): void {
    if (this.#exited || this.#terminating) return;
    this.#terminating = true;
    this.#w.terminate();
    // Without a close event, the worker is gone once terminated; say so later, never inside the call (T2).
    if (!this.#closeEvent) setTimeout(exitLater, 0, this);
  }

  /** @internal */
  exitNow(code?: number): void {
    this.#exit(code);
  }

  #message(data: unknown): void {
    if (this.#exited) return;
    if (!isControl(data)) return this.#handler.message(this, data);
    if (data[CONTROL] === "fatal") {
      this.#error ??= fromWire(data.error);
      this.terminate();
    } else {
      // The worker announced its own exit (T4): it is gone already.
      this.#terminating = true;
      this.#w.terminate();
      if (!this.#closeEvent) this.#exit(data.code);
    }
  }

  #exit(code: number | undefined): void {
    if (this.#exited) return;
    this.#exited = true;
    const info: WorkerExit = { code, error: this.#error };
    this.#handler.exit(this, info);
  }
}

function exitLater(handle: WebWorkerHandle<unknown>): void {
  handle.exitNow();
}

/** The global scope of a Web Worker: the slice this file uses. */
interface WorkerScope {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent) => void) | null;
  addEventListener(type: string, listener: (event: Event) => void): void;
  close?: () => void;
}

/**
 * Inside a Web Worker: the channel to its parent. Reports the worker's own
 * uncaught errors and unhandled rejections to the parent (T3); with
 * `exitCode`, also its exit — on `unload` (which Deno's `exit()` and
 * node:process `exit()` fire) and on `close()` (which fires nothing) — with the code
 * `exitCode()` reads (T4).
 */
export function webParentPort(exitCode?: () => number | undefined): ParentPort {
  const scope = globalThis as unknown as WorkerScope;
  scope.addEventListener("error", (event) => {
    event.preventDefault();
    const e = event as ErrorEvent;
    tell(scope, { [CONTROL]: "fatal", error: toWire(e.error ?? e.message) });
  });
  scope.addEventListener("unhandledrejection", (event) => {
    event.preventDefault();
    tell(scope, { [CONTROL]: "fatal", error: toWire((event as PromiseRejectionEvent).reason) });
  });
  if (exitCode !== undefined) {
    scope.addEventListener("unload", () => tell(scope, { [CONTROL]: "exit", code: exitCode() }));
    const close = scope.close;
    if (typeof close === "function") {
      scope.close = () => {
        tell(scope, { [CONTROL]: "exit", code: 0 });
        close.call(scope);
      };
    }
  }
  return {
    post(message, transfer) {
      if (transfer === undefined) scope.postMessage(message);
      else scope.postMessage(message, transfer);
    },
    listen(receive) {
      scope.onmessage = (event) => receive(event.data);
    },
  };
}

function tell(scope: WorkerScope, message: ControlMessage): void {
  try {
    scope.postMessage(message);
  } catch {
    // The worker is going away either way; the parent still sees it end.
  }
}
