// The pool's worker entry on Node.js: the runtime-neutral task host
// (core/pool/host.ts) on this worker thread's parent port.
import { hostTasks } from "../../core/pool/host.ts";
import { parentPort } from "./pool.ts";

hostTasks(parentPort());
