// Runs the pool conformance suite on the runtime executing this file.
// Usage: <runtime> pool.runner.ts [case name ...]
import process from "node:process";
import { currentRuntime } from "../../adapters/detect.ts";
import { runCases } from "./harness.ts";
import { poolSuite } from "./pool-suite.ts";

const results = await runCases(await currentRuntime(), poolSuite, process.argv.slice(2));
process.exit(results.every((r) => r.ok) ? 0 : 1);
