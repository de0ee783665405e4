// Starts a load worker thread. tsx's `--import` hook does not reliably reach
// worker threads on Node 20 (the worker's entry may load before the hook is
// registered, failing with ERR_UNKNOWN_FILE_EXTENSION), so the worker is
// started without inherited flags and registers tsx itself.
import { register } from "tsx/esm/api";

register();
await import("./worker.ts");
