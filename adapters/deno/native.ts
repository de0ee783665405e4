/**
 * The native engine on this runtime (placeholder until the native mapping lands).
 *
 * @module
 */

import { TriloopError } from "../../core/errors.ts";
import type { Runtime, Server } from "../../core/types.ts";
import type { ResolvedServeOptions } from "../../core/server/serve.ts";

/** Serves with the runtime's own HTTP server. */
export function nativeEngine(_runtime: Runtime, _options: ResolvedServeOptions): Promise<Server> {
  return Promise.reject(new TriloopError("TRI_ERR_INVALID_ARG", "the native engine is being built"));
}
