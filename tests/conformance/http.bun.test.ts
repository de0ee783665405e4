// The HTTP conformance suite on bun, both engines.
import { httpConformance } from "./_http.ts";

httpConformance("bun", "kernel");
httpConformance("bun", "native");
