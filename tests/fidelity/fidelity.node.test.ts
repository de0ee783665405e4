// The fidelity suite (tests/fidelity/_fidelity.ts) on node.
import { fidelity } from "./_fidelity.ts";

fidelity("node");
