// Runs the TCP conformance suite on the runtime executing this file.
// Usage: <runtime> tcp.runner.ts [case name ...]
import process from "node:process";
import { currentRuntime } from "../../adapters/detect.ts";
import { runCases } from "./harness.ts";
import { tcpSuite } from "./tcp-suite.ts";

const results = await runCases(await currentRuntime(), tcpSuite, process.argv.slice(2));
process.exit(results.every((r) => r.ok) ? 0 : 1);
