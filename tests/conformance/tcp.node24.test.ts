// The TCP conformance suite on node24.
import { conformance } from "./_spawn.ts";
import { tcpSuite } from "./tcp-suite.ts";

conformance("node24", "tcp", tcpSuite.map((c) => c.name), "tests/conformance/tcp.runner.ts");
