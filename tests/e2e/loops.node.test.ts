// The loops suite (supervisor, respawn, graceful shutdown) on node.
import { loopsE2E } from "./_loops.ts";

loopsE2E("node");
