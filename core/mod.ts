/**
 * triloop's platform-neutral kernel: contracts, errors and the core half of
 * every connection. Web-platform globals only; adapters map it onto a runtime.
 *
 * @module
 */

export * from "./errors.ts";
export type * from "./types.ts";
export * from "./http1/mod.ts";
