// Runs the TLS conformance suite on the runtime executing this file.
// Usage: <runtime> tls.runner.ts [case name ...]
import process from "node:process";
import { currentRuntime } from "../../adapters/detect.ts";
import { runCases } from "./harness.ts";
import { tlsSuite } from "./tls-suite.ts";

const results = await runCases(await currentRuntime(), tlsSuite, process.argv.slice(2));
process.exit(results.every((r) => r.ok) ? 0 : 1);
