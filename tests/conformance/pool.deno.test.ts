// The pool conformance suite on deno.
import { conformance } from "./_spawn.ts";
import { poolSuite } from "./pool-suite.ts";

conformance("deno", "pool", poolSuite.map((c) => c.name), "tests/conformance/pool.runner.ts");
