/**
 * A `Response` that remembers what it was made from.
 *
 * Building a real `Response` costs microseconds on some runtimes (a body
 * stream, a Headers object, a brand check), and reading its body back is a
 * promise. Most handlers answer with a string or bytes, so the kernel engine
 * installs this class as the global `Response`: construction stores the body
 * and init untouched, the server writes them straight to the socket, and a
 * real `Response` is built only if something reaches for a property this
 * class does not keep (`body`, `text()`, `clone()` …). `instanceof Response`
 * holds for both kinds, and the statics (`json`, `redirect`, `error`) work.
 *
 * @module
 */

import { delegateToReal } from "./_delegate.ts";

/** The runtime's own Response, captured before any install. */
export const NativeResponse: typeof Response = globalThis.Response;

/**
 * For a status outside 200–599, or a null-body status (204, 205, 304) with a
 * body, the runtime's own Response, which throws its own RangeError or
 * TypeError (Fetch §6.4 "initialize a response").
 */
function badStatus(body: BodyInit | null | undefined, init: ResponseInit): Response | undefined {
  const status = init.status;
  if (status === undefined) return undefined;
  if (
    status < 200 || status > 599 || (body != null && (status === 204 || status === 205 || status === 304))
  ) {
    return new NativeResponse(body, init);
  }
  return undefined;
}

const REAL = Symbol("triloop.realResponse");

/** What the server reads from a {@link LightResponse} without materializing it. */
export interface LightParts {
  body: BodyInit | null;
  status: number;
  statusText: string;
  /** Headers as given to the constructor (not yet a Headers object), or the Headers made on access. */
  headers: HeadersInit | Headers | undefined;
}

/**
 * A Response that keeps its body and init until someone needs more. See the
 * module doc.
 */
export class LightResponse {
  #body: BodyInit | null;
  #init: ResponseInit | undefined;
  #headers: Headers | undefined;
  #real: Response | undefined;

  constructor(body?: BodyInit | null, init?: ResponseInit) {
    // Kept small: a caller's optimizing compiler inlines a short constructor
    // (Hono's `new Response(text)` sits deep in an already large function).
    this.#body = body ?? null;
    this.#init = init;
    if (init !== undefined) this.#real = badStatus(body, init);
  }

  get status(): number {
    return this.#real?.status ?? this.#init?.status ?? 200;
  }
  get statusText(): string {
    return this.#real?.statusText ?? this.#init?.statusText ?? "";
  }
  get ok(): boolean {
    const s = this.status;
    return s >= 200 && s < 300;
  }
  get headers(): Headers {
    if (this.#real !== undefined) return this.#real.headers;
    if (this.#headers === undefined) {
      const h = new Headers(this.#init?.headers);
      // The content type a real Response would infer from its body.
      if (!h.has("content-type")) {
        const body = this.#body;
        if (typeof body === "string") h.set("content-type", "text/plain;charset=UTF-8");
        else if (body instanceof URLSearchParams) {
          h.set("content-type", "application/x-www-form-urlencoded;charset=UTF-8");
        }
      }
      this.#headers = h;
    }
    return this.#headers;
  }

  /** True for a light response with no real Response made yet: {@link parts} has them. */
  static isLight(res: unknown): res is LightResponse {
    return typeof res === "object" && res !== null && #body in res && res.#real === undefined;
  }

  /**
   * For a light `new Response(text)` that set no headers (a status may be
   * set) — what most handlers answer: writes its status, status text and
   * body into `out` and returns true, reading nothing else and allocating
   * nothing. For anything else returns false and leaves `out` alone.
   */
  static plainInto(
    res: unknown,
    out: { status: number; statusText: string; text: string | null },
  ): boolean {
    if (!LightResponse.isLight(res)) return false;
    const body = res.#body;
    if (typeof body !== "string" || res.#headers !== undefined) return false;
    const init = res.#init;
    if (init === undefined) {
      out.status = 200;
      out.statusText = "";
    } else {
      if (init.headers !== undefined) return false;
      out.status = init.status ?? 200;
      out.statusText = init.statusText ?? "";
    }
    out.text = body;
    return true;
  }

  /**
   * The parts, for the server; `undefined` when `res` is not a light response
   * or a real Response exists already (then the server reads it like any).
   */
  static parts(res: unknown): LightParts | undefined {
    if (!LightResponse.isLight(res)) return undefined;
    return {
      body: res.#body,
      status: res.#init?.status ?? 200,
      statusText: res.#init?.statusText ?? "",
      headers: res.#headers ?? res.#init?.headers,
    };
  }

  /** The real Response, built once. */
  [REAL](): Response {
    if (this.#real === undefined) {
      // Read through the getters, not spread: an init may be another Response
      // (Hono answers HEAD with `new Response(null, res)`), whose fields are not own properties.
      const given = this.#init;
      const init: ResponseInit = {};
      if (given?.status !== undefined) init.status = given.status;
      if (given?.statusText !== undefined) init.statusText = given.statusText;
      const headers = this.#headers ?? given?.headers;
      if (headers !== undefined) init.headers = headers;
      this.#real = new NativeResponse(this.#body, init);
      this.#headers = undefined;
    }
    return this.#real;
  }

  static json(data: unknown, init?: ResponseInit): Response {
    const headers = new Headers(init?.headers);
    if (!headers.has("content-type")) headers.set("content-type", "application/json");
    return new LightResponse(JSON.stringify(data), { ...init, headers }) as unknown as Response;
  }
  static redirect(url: string | URL, status?: number): Response {
    return NativeResponse.redirect(url, status);
  }
  static error(): Response {
    return NativeResponse.error();
  }
  static [Symbol.hasInstance](value: unknown): boolean {
    return value instanceof NativeResponse;
  }
}

// Everything else a Response has is served by the real one, built on first use.
delegateToReal(LightResponse, NativeResponse, REAL);
Object.setPrototypeOf(LightResponse, NativeResponse);

/** The real Response behind `res` (itself when it is one). */
export function realResponse(res: Response): Response {
  const light = res as unknown as LightResponse;
  return typeof light[REAL] === "function" ? light[REAL]() : res;
}

const nativeStatus = Object.getOwnPropertyDescriptor(NativeResponse.prototype, "status")!.get!;

/**
 * `res` as the runtime's own Response, for servers that accept nothing else
 * (Bun's and Deno's own servers): itself when it is one (its `status` getter's
 * brand check passes), a light one's real Response, and any other
 * Response-like — a framework's own class that passes `instanceof Response` —
 * rebuilt from its status, headers and body.
 */
export function nativeResponse(res: Response): Response {
  const light = res as unknown as LightResponse;
  if (typeof light[REAL] === "function") return light[REAL]();
  try {
    nativeStatus.call(res);
    return res;
  } catch {
    return new NativeResponse(res.body, {
      status: res.status,
      statusText: res.statusText,
      headers: res.headers,
    });
  }
}

let installed = false;

/**
 * Makes {@link LightResponse} the global `Response` (idempotent). Code that
 * runs `new Response(...)` afterwards gets the light kind; everything a
 * Response can do still works.
 */
export function installLightResponse(): void {
  if (installed) return;
  installed = true;
  Object.defineProperty(globalThis, "Response", {
    configurable: true,
    writable: true,
    value: LightResponse,
  });
}
