// The HTTP conformance suite on deno, both engines.
import { httpConformance } from "./_http.ts";

httpConformance("deno", "kernel");
httpConformance("deno", "native");
