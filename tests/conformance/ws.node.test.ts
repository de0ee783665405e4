// The WebSocket conformance suite on node, both engines.
import { wsConformance } from "./_ws.ts";

wsConformance("node", "kernel");
wsConformance("node", "native");
