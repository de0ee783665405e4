// The WebSocket conformance suite on node24, both engines.
import { wsConformance } from "./_ws.ts";

wsConformance("node24", "kernel");
wsConformance("node24", "native");
