// The loops suite on node24 with loops as cluster processes (each binding with reusePort).
import { loopsE2E } from "./_loops.ts";

loopsE2E("node24", ["--loop-host", "process"]);
