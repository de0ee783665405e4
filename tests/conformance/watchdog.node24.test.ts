// The watchdog conformance suite on node24.
import { conformance } from "./_spawn.ts";
import { watchdogSuite } from "./watchdog-suite.ts";

conformance("node24", "watchdog", watchdogSuite.map((c) => c.name), "tests/conformance/watchdog.runner.ts");
