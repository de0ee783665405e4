// Runs the deployment conformance suite (PROXY, health, trustProxy) on the runtime executing this file.
// Usage: <runtime> deploy.runner.ts [case name ...]
import process from "node:process";
import { currentRuntime } from "../../adapters/detect.ts";
import { runCases } from "./harness.ts";
import { deploySuite } from "./deploy-suite.ts";

const results = await runCases(await currentRuntime(), deploySuite, process.argv.slice(2));
process.exit(results.every((r) => r.ok) ? 0 : 1);
