// The watchdog conformance suite on bun.
import { conformance } from "./_spawn.ts";
import { watchdogSuite } from "./watchdog-suite.ts";

conformance("bun", "watchdog", watchdogSuite.map((c) => c.name), "tests/conformance/watchdog.runner.ts");
