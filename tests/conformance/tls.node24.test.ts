// The TLS conformance suite on node24 (TL2-TL7).
import { conformance } from "./_spawn.ts";
import { tlsSuite } from "./tls-suite.ts";

conformance("node24", "tls", tlsSuite.map((c) => c.name), "tests/conformance/tls.runner.ts");
