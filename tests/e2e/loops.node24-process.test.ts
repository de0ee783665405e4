// The loops suite on node24 with loops as cluster processes, each binding the
// port with reusePort: the cases where the host kind matters.
import { loopsE2E } from "./_loops.ts";

loopsE2E("node24", ["--loop-host", "process"], [
  "LP1 LP2 LP9",
  "LP3",
  "LP4",
  "LP7 SIGTERM",
  "LP8 a second signal",
  "LP11",
  "WS8 WS9 kernel",
  "WS8 WS9 native",
]);
