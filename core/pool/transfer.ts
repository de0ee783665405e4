/**
 * Moving a task's result back instead of copying it. Results are structured
 * clones by default; a task that returns a large buffer it will not touch
 * again wraps it with {@link withTransfer}, and the buffer moves (no copy).
 *
 * @module
 */

import type { Transferred } from "../types.ts";

/**
 * Marks `value` to be sent back with the buffers in `transfer` moved, not
 * copied. `run` resolves with `value` itself. After returning it the task
 * must not use those buffers: they are detached in the worker.
 *
 * @example A task that returns a big buffer without a copy
 * ```ts
 * import { withTransfer } from "./transfer.ts";
 * export function render(size: number) {
 *   const pixels = new Uint8Array(size);
 *   return withTransfer(pixels, [pixels.buffer]);
 * }
 * render(16);
 * ```
 */
export function withTransfer<V>(value: V, transfer: Transferable[]): Transferred<V> {
  return { "triloop:transfer": true, value, transfer };
}

/** True when `result` came from {@link withTransfer}. */
export function isTransferred(result: unknown): result is Transferred<unknown> {
  return typeof result === "object" && result !== null &&
    (result as Record<string, unknown>)["triloop:transfer"] === true;
}
