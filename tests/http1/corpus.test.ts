/**
 * Replays every corpus case (tests/http1/corpus/*.md) whole, at every split
 * point, one byte at a time, and with a handler that pauses in every
 * callback; all must give the case's expected log (invariants P1, P6).
 */

import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadCorpus, matches, replay } from "./_corpus.ts";

const cases = loadCorpus(fileURLToPath(new URL("./corpus/", import.meta.url)));

describe("http1 parser corpus", () => {
  it("has cases in every file", () => {
    const files = new Set(cases.map((c) => c.file));
    expect(files.size).toBeGreaterThanOrEqual(15);
  });

  for (const c of cases) {
    it(`${c.file} › ${c.title}`, () => {
      const whole = replay(c.input, [], c.options);
      if (!matches(c.expected, whole)) expect(whole.join("\n")).toBe(c.expected.join("\n"));

      const n = c.input.length;
      const bytewise = Array.from({ length: Math.max(0, n - 1) }, (_, i) => i + 1);
      expect(replay(c.input, bytewise, c.options), "one byte at a time").toEqual(whole);
      expect(replay(c.input, [], c.options, true), "pausing in every callback").toEqual(whole);
      expect(replay(c.input, bytewise, c.options, true), "one byte at a time, pausing").toEqual(whole);
      for (let i = 1; i < n; i++) {
        const split = replay(c.input, [i], c.options);
        if (split.length !== whole.length || split.some((l, k) => l !== whole[k])) {
          expect(split, `split at ${i}`).toEqual(whole);
        }
      }
    });
  }
});
