// The deployment conformance suite (PROXY, health, trustProxy) on node.
import { conformance } from "./_spawn.ts";
import { deploySuite } from "./deploy-suite.ts";

conformance("node", "deploy", deploySuite.map((c) => c.name), "tests/conformance/deploy.runner.ts");
