// The fleet behind HAProxy (examples/deploy) on deno.
import { fleetE2E } from "./fleet-suite.ts";

fleetE2E("deno", 84);
