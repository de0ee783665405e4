/**
 * triloop's platform-neutral kernel: contracts, errors and the core half of
 * every connection. Web-platform globals only; adapters map it onto a runtime.
 *
 * @module
 */

export * from "./errors.ts";
export type * from "./types.ts";
export { withTransfer } from "./pool/transfer.ts";
export { defaultPoolSize } from "./pool/pool.ts";
export { startWatchdog } from "./watchdog.ts";
export { currentLoop } from "./loops/context.ts";
export * from "./http1/mod.ts";
export { type ConnInfo, getConnInfo } from "./fetch/conn-info.ts";
