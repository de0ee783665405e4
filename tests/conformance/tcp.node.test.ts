// The TCP conformance suite on node.
import { conformance } from "./_spawn.ts";
import { tcpSuite } from "./tcp-suite.ts";

conformance("node", "tcp", tcpSuite.map((c) => c.name), "tests/conformance/tcp.runner.ts");
