// The TLS conformance suite on deno (TL2-TL7).
import { conformance } from "./_spawn.ts";
import { tlsSuite } from "./tls-suite.ts";

conformance("deno", "tls", tlsSuite.map((c) => c.name), "tests/conformance/tls.runner.ts");
