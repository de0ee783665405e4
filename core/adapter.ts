/**
 * An adapter from its runtime parts: what is the same in every adapter —
 * `serve` as the kernel engine or the runtime's native one on top of them —
 * is written once here.
 *
 * @module
 */

import type { Adapter, Runtime } from "./types.ts";
import { kernelEngine } from "./server/kernel.ts";
import { type Engine, type Engines, serveWith } from "./server/serve.ts";

/**
 * What an adapter brings: its runtime's TCP, workers, loop hosts, native
 * HTTP engine, and which engine `engine: "auto"` picks there (and why).
 */
export type AdapterParts = Omit<Adapter, "name" | "version" | "capabilities" | "serve"> & {
  native: Engine;
  auto: Engines["auto"];
};

/** The adapter of one runtime, described by `info`, made of `parts`. */
export function defineAdapter(
  info: Pick<Runtime, "name" | "version" | "capabilities">,
  parts: AdapterParts,
): Adapter {
  const { native, auto, ...rest } = parts;
  const adapter: Adapter = {
    ...info,
    ...rest,
    serve: (options) => serveWith(adapter, { kernel: kernelEngine, native, auto }, options),
  };
  return adapter;
}
