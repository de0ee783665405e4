/**
 * Picks the adapter for the runtime this code runs on. The one place that
 * asks "which runtime is this?"; everything else gets a {@link Runtime}.
 *
 * @module
 */

import type { Adapter, Runtime } from "../core/types.ts";

/** The name of the runtime running this code. */
export function runtimeName(): Runtime["name"] {
  if ("Bun" in globalThis) return "bun";
  if ("Deno" in globalThis) return "deno";
  return "node";
}

/**
 * Loads the adapter of the runtime running this code. The path is computed so
 * that no type checker follows it into another runtime's adapter: each
 * adapter is checked with its own runtime's types (tsc for Node and Bun,
 * `deno check` for Deno).
 */
export async function currentRuntime(): Promise<Adapter> {
  // From source this file is detect.ts; in dist/ it is detect.js.
  const ext = import.meta.url.endsWith(".ts") ? "ts" : "js";
  // A URL rather than a template string in import(): esbuild would copy every
  // adapter into dist/adapters/detect.js, where their relative imports break.
  const mod = await import(new URL(`./${runtimeName()}/adapter.${ext}`, import.meta.url).href);
  return mod.adapter as Adapter;
}
