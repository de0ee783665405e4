#!/usr/bin/env node
// `npm test`: the build (which also proves core/ imports no runtime, and
// which the examples' "triloop" resolves to) with its API report, type
// checks, lint and format checks, then every vitest project — unit tests on
// the machine's Node, conformance suites on every runtime installed. Prints
// which runtimes it covered and, last, one line "N passed, N failed, N skipped".
//
// Usage: node tests/run-all.mjs [--only typecheck|lint|build|vitest] [vitest args...]

import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { findRuntimes, ROOT } from "../cli/runtimes.mjs";

const args = process.argv.slice(2);
const onlyAt = args.indexOf("--only");
const only = onlyAt >= 0 ? args.splice(onlyAt, 2)[1] : undefined;

const runtimes = findRuntimes();
const node = runtimes.find((r) => r.id === "node").bin;
const deno = runtimes.find((r) => r.id === "deno");

let failed = 0;
function step(name, argv, opts = {}) {
  if (only && only !== opts.group) return true;
  const t0 = Date.now();
  process.stdout.write(`\n▶ ${name}\n`);
  const r = spawnSync(argv[0], argv.slice(1), {
    cwd: ROOT,
    stdio: "inherit",
    env: { ...process.env, ...opts.env },
  });
  const ok = r.status === 0;
  console.log(`${ok ? "✔" : "✘"} ${name} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  if (!ok) failed++;
  return ok;
}

step("build dist/ (esbuild + declarations; fails if core/ imports a runtime)", [
  node,
  "--import",
  "tsx",
  "build.ts",
], {
  group: "build",
});

step("dist smoke test (the published Node entry, no loader)", [node, "tests/dist-smoke.mjs"], {
  group: "build",
});
step("API report (the public entry points' declarations against api/triloop.api.md)", [
  node,
  "--import",
  "tsx",
  "api/report.ts",
], { group: "build" });

// The examples import "triloop", which resolves to dist/: with --only
// typecheck, build it first if a source changed since the last build.
step("dist/ up to date (the examples type-check against its declarations)", [
  node,
  "--import",
  "tsx",
  "build.ts",
  "--if-stale",
], { group: "typecheck" });

const tsc = join(ROOT, "node_modules", "typescript", "bin", "tsc");
step("tsc (Node and Bun adapters, tests, examples)", [node, tsc, "-p", "tsconfig.json"], {
  group: "typecheck",
});
step("tsc core/ with no runtime types", [node, tsc, "-p", "core/tsconfig.json"], { group: "typecheck" });
if (deno.available) {
  const denoFiles = ["adapters/deno/mod.ts", "cli/run-entry.ts"].concat(
    [["tests/conformance", ".runner.ts"], ["examples", ".ts"]].flatMap(([dir, suffix]) =>
      spawnSync("ls", [join(ROOT, dir)], { encoding: "utf8" }).stdout.split("\n")
        .filter((f) => f.endsWith(suffix)).map((f) => `${dir}/${f}`)
    ),
  );
  step("deno check (Deno adapter, runners, examples)", [
    deno.bin,
    "check",
    "--quiet",
    "--config",
    "deno.json",
    ...denoFiles,
  ], {
    group: "typecheck",
  });
  step("deno lint", [deno.bin, "lint", "--quiet", "--config", "deno.json"], { group: "lint" });
  step("deno fmt --check", [deno.bin, "fmt", "--check", "--quiet", "--config", "deno.json"], {
    group: "lint",
  });
} else {
  console.log(`\n(skipped deno check, lint and fmt: ${deno.reason})`);
}
let counts = { passed: 0, failed: 0, skipped: 0 };
if (!only || only === "vitest") {
  mkdirSync(join(ROOT, ".tmp"), { recursive: true });
  const report = join(ROOT, ".tmp", "vitest.json");
  step(
    `vitest on ${node} (unit, then conformance on each runtime)`,
    [
      node,
      join(ROOT, "node_modules", "vitest", "vitest.mjs"),
      "run",
      "--reporter=default",
      "--reporter=json",
      `--outputFile.json=${report}`,
      ...args,
    ],
    { group: "vitest" },
  );
  if (existsSync(report)) {
    const r = JSON.parse(readFileSync(report, "utf8"));
    counts = {
      passed: r.numPassedTests,
      failed: r.numFailedTests,
      skipped: r.numPendingTests + r.numTodoTests,
    };
  }
  console.log("\nruntimes covered:");
  for (const rt of runtimes) {
    console.log(`  ${rt.id.padEnd(7)} ${rt.available ? `yes  ${rt.version}` : `no   ${rt.reason}`}`);
  }
  for (const tool of ["wrk", "curl", "redis-cli", "redis-benchmark", "chromium"]) {
    const found = spawnSync("sh", ["-c", `command -v ${tool}`]).status === 0;
    console.log(`  ${tool.padEnd(16)} ${found ? "found" : "missing: its tests report as skipped"}`);
  }
}

// A failed check step (tsc, lint, build) counts as one failed test, so the
// closing line never reads "0 failed" on a red run.
const stepFailures = Math.max(0, failed - (counts.failed > 0 ? 1 : 0));
if (failed > 0) console.log(`\n${failed} step(s) failed`);
console.log(
  `\ntests: ${counts.passed} passed, ${counts.failed + stepFailures} failed, ${counts.skipped} skipped`,
);
process.exit(failed > 0 ? 1 : 0);
