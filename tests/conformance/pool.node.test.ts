// The pool conformance suite on node.
import { conformance } from "./_spawn.ts";
import { poolSuite } from "./pool-suite.ts";

conformance("node", "pool", poolSuite.map((c) => c.name), "tests/conformance/pool.runner.ts");
