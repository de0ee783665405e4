// The deployment conformance suite (PROXY, health, trustProxy) on deno.
import { conformance } from "./_spawn.ts";
import { deploySuite } from "./deploy-suite.ts";

conformance("deno", "deploy", deploySuite.map((c) => c.name), "tests/conformance/deploy.runner.ts");
