// The WebSocket conformance suite on deno, both engines.
import { wsConformance } from "./_ws.ts";

wsConformance("deno", "kernel");
wsConformance("deno", "native");
