// The TCP conformance suite on bun.
import { conformance } from "./_spawn.ts";
import { tcpSuite } from "./tcp-suite.ts";

conformance("bun", "tcp", tcpSuite.map((c) => c.name), "tests/conformance/tcp.runner.ts");
