// The HTTP conformance suite over TLS on bun, both engines (TL1).
import { httpTlsConformance } from "./_http.ts";

httpTlsConformance("bun", "kernel");
httpTlsConformance("bun", "native");
