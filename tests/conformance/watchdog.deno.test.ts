// The watchdog conformance suite on deno.
import { conformance } from "./_spawn.ts";
import { watchdogSuite } from "./watchdog-suite.ts";

conformance("deno", "watchdog", watchdogSuite.map((c) => c.name), "tests/conformance/watchdog.runner.ts");
