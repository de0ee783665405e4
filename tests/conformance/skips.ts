/**
 * Conformance skips, as data: a runtime that cannot meet an invariant is
 * listed here with the reason, and the test report shows it. Empty is the
 * goal; nothing is skipped with a silent `if`.
 *
 * @module
 */

/** A runtime id, as in `cli/runtimes.mjs`. */
export type RuntimeId = "node" | "node24" | "bun" | "deno";

/** One skip: which cases, and why. */
export interface Skip {
  reason: string;
  tests: string[];
}

/** Skips per suite and runtime. */
export const skips: Record<string, Partial<Record<RuntimeId, Skip[]>>> = {
  tcp: {},
};

/** The reason `name` is skipped on `runtime` in `suite`, if it is. */
export function skipReason(suite: string, runtime: RuntimeId, name: string): string | undefined {
  return skips[suite]?.[runtime]?.find((s) => s.tests.includes(name))?.reason;
}
