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
  /** Only for this HTTP engine (suite `http`); both when absent. */
  engine?: "kernel" | "native";
}

/** Skips per suite and runtime. */
export const skips: Record<string, Partial<Record<RuntimeId, Skip[]>>> = {
  tcp: {},
  http: {},
};

/** The reason `name` is skipped on `runtime` in `suite`, if it is. */
export function skipReason(suite: string, runtime: RuntimeId, name: string): string | undefined {
  return skips[suite]?.[runtime]?.find((s) => s.tests.includes(name))?.reason;
}

/** The reason `name` is skipped on `runtime` with `engine` in `suite`, if it is. */
export function engineSkipReason(
  suite: string,
  runtime: RuntimeId,
  engine: "kernel" | "native",
  name: string,
): string | undefined {
  return skips[suite]?.[runtime]?.find((s) => (s.engine ?? engine) === engine && s.tests.includes(name))
    ?.reason;
}
