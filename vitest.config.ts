import { defineConfig } from "vitest/config";

// Two projects: `unit` (pure logic, in-process on Node) and `conformance`
// (spawns Node 20, Node 24, Bun and Deno and talks to them over 127.0.0.1).
// Conformance files run two at a time: this machine has 2 cores, and the
// suites include load cases.
export default defineConfig({
  test: {
    globalSetup: ["tests/_global-setup.ts"],
    projects: [
      {
        test: {
          name: "unit",
          sequence: { groupOrder: 0 },
          include: ["tests/**/*.test.ts"],
          exclude: [
            "tests/conformance/**",
            "tests/e2e/**",
            "tests/fidelity/**",
            "tests/package/**",
            "node_modules/**",
          ],
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: "conformance",
          sequence: { groupOrder: 1 },
          include: [
            "tests/conformance/**/*.test.ts",
            "tests/e2e/**/*.test.ts",
            "tests/fidelity/**/*.test.ts",
            "tests/package/**/*.test.ts",
          ],
          testTimeout: 300_000,
          hookTimeout: 600_000,
          maxWorkers: 2,
        },
      },
    ],
  },
});
