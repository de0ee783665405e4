// The TCP conformance suite over TLS on bun (TL1).
import { conformance } from "./_spawn.ts";
import { tcpSuite } from "./tcp-suite.ts";

conformance("bun", "tcp-tls", tcpSuite.map((c) => c.name), "tests/conformance/tcp-tls.runner.ts");
