// Runs the TCP conformance suite over TLS on the runtime executing this file (TL1).
// Usage: <runtime> tcp-tls.runner.ts [case name ...]
import process from "node:process";
import { currentRuntime } from "../../adapters/detect.ts";
import { runCases } from "./harness.ts";
import { tcpSuite } from "./tcp-suite.ts";
import { overTls } from "./_tls.ts";

const results = await runCases(overTls(await currentRuntime()), tcpSuite, process.argv.slice(2));
process.exit(results.every((r) => r.ok) ? 0 : 1);
