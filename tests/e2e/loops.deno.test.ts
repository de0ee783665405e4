// The loops suite (supervisor, respawn, graceful shutdown) on deno.
import { loopsE2E } from "./_loops.ts";

loopsE2E("deno");
