// The HTTP conformance suite over TLS on node24, both engines (TL1).
import { httpTlsConformance } from "./_http.ts";

httpTlsConformance("node24", "kernel");
httpTlsConformance("node24", "native");
