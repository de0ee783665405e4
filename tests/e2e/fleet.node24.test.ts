// The fleet behind HAProxy (examples/deploy) on node24.
import { fleetE2E } from "./fleet-suite.ts";

fleetE2E("node24", 82);
