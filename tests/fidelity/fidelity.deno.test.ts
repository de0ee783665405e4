// The fidelity suite (tests/fidelity/_fidelity.ts) on deno.
import { fidelity } from "./_fidelity.ts";

fidelity("deno");
