// The fleet behind HAProxy (examples/deploy) on bun.
import { fleetE2E } from "./fleet-suite.ts";

fleetE2E("bun", 83);
