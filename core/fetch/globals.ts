/**
 * The globals the fast fetch bridge replaces, and the option that keeps them.
 *
 * The kernel hands handlers a {@link LazyRequest} and reads a
 * {@link LightResponse} without building the runtime's own objects. Both pass
 * `instanceof`, but the runtimes' own `Request` constructor and `fetch` check
 * an internal slot, so `new Request(req)` or `fetch(req)` — how a proxy passes
 * a request on — would throw. With `overrideGlobalObjects` (the default) the
 * bridge installs, once per process, a `Request`, a `fetch` and
 * {@link LightResponse} as `Response` that accept it: the contract is
 * `ServeOptions.overrideGlobalObjects` in core/types.ts (G1–G4).
 *
 * With `overrideGlobalObjects: false` nothing global changes and handlers get
 * the runtime's own `Request` objects (slower to build, see the benchmark).
 *
 * @module
 */

import { unwrapRequest } from "./lazy-request.ts";
import { installLightResponse } from "./light-response.ts";

const NativeRequest = globalThis.Request;
const nativeFetch = globalThis.fetch;

/** The global `Request` while installed (G1). */
class TriloopRequest extends NativeRequest {
  constructor(input: RequestInfo | URL, init?: RequestInit) {
    super(unwrapRequest(input), init);
  }
  static override [Symbol.hasInstance](value: unknown): boolean {
    // Subclasses of this class keep the ordinary prototype check.
    if (this !== TriloopRequest) return Function.prototype[Symbol.hasInstance].call(this, value);
    return value instanceof NativeRequest;
  }
}
Object.defineProperty(TriloopRequest, "name", { value: "Request" });

/** The global `fetch` while installed (G2). */
function triloopFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  return nativeFetch(unwrapRequest(input), init);
}
Object.defineProperty(triloopFetch, "name", { value: "fetch" });
// Runtime extras hung on fetch (Bun's `fetch.preconnect`) stay reachable.
Object.assign(triloopFetch, nativeFetch);

let installed = false;

/** Installs G1–G3 (idempotent). */
export function installGlobals(): void {
  if (installed) return;
  installed = true;
  for (const [name, value] of [["Request", TriloopRequest], ["fetch", triloopFetch]] as const) {
    Object.defineProperty(globalThis, name, { configurable: true, writable: true, value });
  }
  installLightResponse();
}

/** Whether G1–G3 are installed in this global scope. */
export function globalsInstalled(): boolean {
  return installed;
}
