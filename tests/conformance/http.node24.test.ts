// The HTTP conformance suite on node24, both engines.
import { httpConformance } from "./_http.ts";

httpConformance("node24", "kernel");
httpConformance("node24", "native");
