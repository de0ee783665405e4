/**
 * Picks the adapter for the runtime this code runs on. The one place that
 * asks "which runtime is this?"; everything else gets a {@link Runtime}.
 *
 * @module
 */

import type { Runtime } from "../core/types.ts";

/** The name of the runtime running this code. */
export function runtimeName(): Runtime["name"] {
  if ("Bun" in globalThis) return "bun";
  if ("Deno" in globalThis) return "deno";
  return "node";
}

/** Loads the adapter of the runtime running this code. */
export async function currentRuntime(): Promise<Runtime> {
  switch (runtimeName()) {
    case "bun":
      return (await import("./bun/mod.ts")).runtime;
    case "deno":
      return (await import("./deno/mod.ts")).runtime;
    default:
      return (await import("./node/mod.ts")).runtime;
  }
}
