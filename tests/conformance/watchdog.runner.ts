// Runs the watchdog conformance suite on the runtime executing this file.
// Usage: <runtime> watchdog.runner.ts [case name ...]
import process from "node:process";
import { currentRuntime } from "../../adapters/detect.ts";
import { runCases } from "./harness.ts";
import { watchdogSuite } from "./watchdog-suite.ts";

const results = await runCases(await currentRuntime(), watchdogSuite, process.argv.slice(2));
process.exit(results.every((r) => r.ok) ? 0 : 1);
