// The TCP conformance suite over TLS on node24 (TL1).
import { conformance } from "./_spawn.ts";
import { tcpSuite } from "./tcp-suite.ts";

conformance("node24", "tcp-tls", tcpSuite.map((c) => c.name), "tests/conformance/tcp-tls.runner.ts");
