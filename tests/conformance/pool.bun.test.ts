// The pool conformance suite on bun.
import { conformance } from "./_spawn.ts";
import { poolSuite } from "./pool-suite.ts";

conformance("bun", "pool", poolSuite.map((c) => c.name), "tests/conformance/pool.runner.ts");
