// The HTTP conformance suite over TLS on node, both engines (TL1).
import { httpTlsConformance } from "./_http.ts";

httpTlsConformance("node", "kernel");
httpTlsConformance("node", "native");
