// The HTTP conformance suite over TLS on deno, both engines (TL1).
import { httpTlsConformance } from "./_http.ts";

httpTlsConformance("deno", "kernel");
httpTlsConformance("deno", "native");
