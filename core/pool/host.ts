/**
 * The worker side of the pool, the same on every runtime: loads the tasks
 * module, runs one task at a time, and answers each with one message. An
 * adapter's worker entry gives it the runtime's {@link ParentPort}.
 *
 * @module
 */

import type { ParentPort } from "../types.ts";
import { FAIL, type FromWorker, LOAD_FAILED, OK, READY, type ToWorker } from "./protocol.ts";
import { isTransferred } from "./transfer.ts";
import { toWire } from "../_shared/wire-error.ts";

/** Serves the pool on the other end of `port` until the worker ends. */
export function hostTasks(port: ParentPort): void {
  const host = new TaskHost(port);
  port.listen((data) => host.receive(data as ToWorker));
}

/**
 * The task functions of a loaded module: its named exports or, when it has
 * none, those of its default export object. A CommonJS module whose exports
 * the runtime cannot name arrives as `default` alone — on Node, a `.ts` file
 * that tsx compiles to CommonJS (a package without `"type": "module"`).
 */
function taskTable(mod: Record<string, unknown>): Record<string, unknown> {
  const named = Object.keys(mod).some((k) => k !== "default" && k !== "module.exports");
  const d = mod.default;
  return !named && typeof d === "object" && d !== null ? d as Record<string, unknown> : mod;
}

/**
 * One task at a time: the pool sends a task only to a worker that has
 * answered the previous one, so the id of an async task in flight can live in
 * a field, and settling it needs no closure per task.
 */
class TaskHost {
  #port: ParentPort;
  #href = "";
  #tasks: Record<string, unknown> | undefined;
  /** Tasks that arrived while the module was loading. */
  #pending: ToWorker[] = [];
  /** The id of the async task in flight. */
  #id = 0;
  #resolved = (value: unknown) => this.#ok(this.#id, value);
  #rejected = (err: unknown) => this.#fail(this.#id, err);

  constructor(port: ParentPort) {
    this.#port = port;
  }

  receive(msg: ToWorker): void {
    if (this.#tasks !== undefined) return this.#run(msg);
    if (this.#href === "") {
      this.#href = msg[1];
      void this.#load();
    } else this.#pending.push(msg);
  }

  async #load(): Promise<void> {
    try {
      this.#tasks = taskTable(await import(this.#href));
    } catch (err) {
      this.#post([0, LOAD_FAILED, toWire(err)]);
      return;
    }
    this.#post([0, READY]);
    for (const msg of this.#pending.splice(0)) this.#run(msg);
  }

  #run(msg: ToWorker): void {
    const id = msg[0];
    const fn = this.#tasks![msg[1]];
    if (typeof fn !== "function") {
      return this.#fail(id, new TypeError(`No task named "${msg[1]}" in ${this.#href}`));
    }
    let result: unknown;
    try {
      result = fn(msg[2]);
    } catch (err) {
      return this.#fail(id, err);
    }
    if (typeof (result as PromiseLike<unknown>)?.then === "function") {
      this.#id = id;
      (result as PromiseLike<unknown>).then(this.#resolved, this.#rejected);
    } else this.#ok(id, result);
  }

  #ok(id: number, result: unknown): void {
    try {
      if (isTransferred(result)) this.#port.post([id, OK, result.value], result.transfer);
      else this.#port.post([id, OK, result]);
    } catch (err) {
      // The result could not be cloned: the task fails, the worker goes on.
      this.#fail(id, err);
    }
  }

  #fail(id: number, err: unknown): void {
    this.#post([id, FAIL, toWire(err)]);
  }

  #post(msg: FromWorker): void {
    this.#port.post(msg);
  }
}
