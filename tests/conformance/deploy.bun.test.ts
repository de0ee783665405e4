// The deployment conformance suite (PROXY, health, trustProxy) on bun.
import { conformance } from "./_spawn.ts";
import { deploySuite } from "./deploy-suite.ts";

conformance("bun", "deploy", deploySuite.map((c) => c.name), "tests/conformance/deploy.runner.ts");
