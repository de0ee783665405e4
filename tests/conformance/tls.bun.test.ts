// The TLS conformance suite on bun (TL2-TL7).
import { conformance } from "./_spawn.ts";
import { tlsSuite } from "./tls-suite.ts";

conformance("bun", "tls", tlsSuite.map((c) => c.name), "tests/conformance/tls.runner.ts");
