// The WebSocket conformance suite on bun, both engines.
import { wsConformance } from "./_ws.ts";

wsConformance("bun", "kernel");
wsConformance("bun", "native");
