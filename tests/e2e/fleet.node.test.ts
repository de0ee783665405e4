// The fleet behind HAProxy (examples/deploy) on node.
import { fleetE2E } from "./fleet-suite.ts";

fleetE2E("node", 81);
