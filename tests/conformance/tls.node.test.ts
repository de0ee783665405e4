// The TLS conformance suite on node (TL2-TL7).
import { conformance } from "./_spawn.ts";
import { tlsSuite } from "./tls-suite.ts";

conformance("node", "tls", tlsSuite.map((c) => c.name), "tests/conformance/tls.runner.ts");
