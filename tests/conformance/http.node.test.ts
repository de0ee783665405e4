// The HTTP conformance suite on node, both engines.
import { httpConformance } from "./_http.ts";

httpConformance("node", "kernel");
httpConformance("node", "native");
