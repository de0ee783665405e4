// The fidelity suite (tests/fidelity/_fidelity.ts) on bun.
import { fidelity } from "./_fidelity.ts";

fidelity("bun");
