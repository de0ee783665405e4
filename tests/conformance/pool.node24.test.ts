// The pool conformance suite on node24.
import { conformance } from "./_spawn.ts";
import { poolSuite } from "./pool-suite.ts";

conformance("node24", "pool", poolSuite.map((c) => c.name), "tests/conformance/pool.runner.ts");
