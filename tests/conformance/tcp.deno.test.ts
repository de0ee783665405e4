// The TCP conformance suite on deno.
import { conformance } from "./_spawn.ts";
import { tcpSuite } from "./tcp-suite.ts";

conformance("deno", "tcp", tcpSuite.map((c) => c.name), "tests/conformance/tcp.runner.ts");
