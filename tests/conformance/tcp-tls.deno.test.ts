// The TCP conformance suite over TLS on deno (TL1).
import { conformance } from "./_spawn.ts";
import { tcpSuite } from "./tcp-suite.ts";

conformance("deno", "tcp-tls", tcpSuite.map((c) => c.name), "tests/conformance/tcp-tls.runner.ts");
