// The loops suite (supervisor, respawn, graceful shutdown) on bun.
import { loopsE2E } from "./_loops.ts";

loopsE2E("bun");
