/**
 * The vitest side of the loops suite: one test per case of `loops-suite.ts`
 * on runtime `id`, run one after another (each starts its own server). A
 * runtime that is not installed, or a case listed in `skips.ts` under
 * `loops`, shows as skipped with its reason.
 *
 * @module
 */

import { describe, it } from "vitest";
import { runtime } from "../conformance/_spawn.ts";
import { type RuntimeId, skipReason } from "../conformance/skips.ts";
import { loopsSuite } from "./loops-suite.ts";

/**
 * Registers the loops suite for runtime `id`; `flags` go to every
 * `triloop serve` (e.g. `["--loop-host", "process"]`), and `only` keeps the
 * cases whose name starts with one of its entries.
 */
export function loopsE2E(id: RuntimeId, flags: string[] = [], only?: string[]): void {
  const rt = runtime(id);
  const title = `loops on ${id} ${rt.version ?? ""}${flags.length > 0 ? ` (${flags.join(" ")})` : ""}`.trim();
  if (!rt.available) {
    describe.skip(`${title} — skipped: ${rt.reason}`, () => {
      it.skip("runtime not available", () => {});
    });
    return;
  }
  describe(title, () => {
    for (const c of loopsSuite) {
      if (only !== undefined && !only.some((prefix) => c.name.startsWith(prefix))) continue;
      const reason = skipReason("loops", id, c.name);
      if (reason !== undefined) it.skip(`${c.name} — skipped on ${id}: ${reason}`, () => {});
      else it(c.name, () => c.run({ rt, flags }), c.timeoutMs ?? 60_000);
    }
  });
}
