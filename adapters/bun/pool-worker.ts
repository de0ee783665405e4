// The pool's worker entry on Bun: the runtime-neutral task host
// (core/pool/host.ts) on this worker's parent port.
import { hostTasks } from "../../core/pool/host.ts";
import { parentPort } from "./pool.ts";

hostTasks(parentPort());
