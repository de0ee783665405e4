// The watchdog conformance suite on node.
import { conformance } from "./_spawn.ts";
import { watchdogSuite } from "./watchdog-suite.ts";

conformance("node", "watchdog", watchdogSuite.map((c) => c.name), "tests/conformance/watchdog.runner.ts");
