// The fidelity suite (tests/fidelity/_fidelity.ts) on node24.
import { fidelity } from "./_fidelity.ts";

fidelity("node24");
