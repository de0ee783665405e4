/**
 * The kernel engine: triloop's HTTP/1.1 codec on the runtime's TCP listener.
 *
 * @module
 */

import { TriloopError } from "../errors.ts";
import type { Runtime, Server } from "../types.ts";
import type { ResolvedServeOptions } from "./serve.ts";

/** Serves `options.fetch` with the kernel codec on `runtime.listen`. */
export function kernelEngine(_runtime: Runtime, _options: ResolvedServeOptions): Promise<Server> {
  // Replaced by the codec-backed server in the next commits (work in progress).
  return Promise.reject(new TriloopError("TRI_ERR_INVALID_ARG", "the kernel engine is being built"));
}
