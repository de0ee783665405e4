/**
 * The messages between a pool and its workers. One message per task each way,
 * as small arrays (no per-message object with named keys to build and clone):
 *
 * - pool → worker: `[0, tasksHref]` once, first (load the tasks module); then
 *   `[id, name, input]` per task, only to a worker that is not running one.
 * - worker → pool: `[0, READY]` once the module loaded, or `[0, LOAD_FAILED,
 *   error]`; then `[id, OK, result]` or `[id, FAIL, error]` per task.
 *
 * Separately, adapters whose runtime does not report a worker's death on its
 * own (Bun without the error, Deno at all) send one {@link ControlMessage} from
 * the dying worker; `spawnWorker` consumes it, so the pool never sees it.
 *
 * @module
 */

import type { WireError } from "../_shared/wire-error.ts";

/** A task ran to completion: the third element is its result. */
export const OK = 0;
/** A task threw or rejected: the third element is a {@link WireError}. */
export const FAIL = 1;
/** The tasks module loaded; the worker takes tasks. */
export const READY = 2;
/** The tasks module failed to load: the third element is a {@link WireError}. */
export const LOAD_FAILED = 3;

/** Pool → worker. `[0, tasksHref]` is the first; the rest are tasks. */
export type ToWorker = [id: number, name: string, input?: unknown];

/** Worker → pool. */
export type FromWorker =
  | [id: number, kind: typeof OK, result: unknown]
  | [id: number, kind: typeof FAIL | typeof LOAD_FAILED, error: WireError]
  | [id: 0, kind: typeof READY];

/** The key that marks a {@link ControlMessage}; no pool message is an object with it. */
export const CONTROL = "triloop:control";

/** A dying worker's last word, for runtimes that do not report it themselves. */
export type ControlMessage =
  | { [CONTROL]: "fatal"; error: WireError }
  | { [CONTROL]: "exit"; code?: number };

/** True when `data` is a {@link ControlMessage}. Costs one property read on the hot path. */
export function isControl(data: unknown): data is ControlMessage {
  return typeof data === "object" && data !== null &&
    (data as Record<string, unknown>)[CONTROL] !== undefined;
}
