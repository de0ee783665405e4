/**
 * Errors across a worker boundary. Structured clone keeps an error's message
 * but not its `code` or other own fields, and runtimes differ in what else
 * they keep (stack, cause, the class), so errors travel as plain objects and
 * are rebuilt on arrival: same class for built-in error classes, same name,
 * message, stack and `code`.
 *
 * @module
 */

/** An error as it crosses a worker boundary. */
export interface WireError {
  /** False when something other than an Error was thrown; `value` holds it. */
  isError: boolean;
  name: string;
  message: string;
  stack?: string;
  code?: unknown;
  cause?: WireError;
  /** The thrown non-Error value (a string when it could not be cloned). */
  value?: unknown;
}

const BUILTIN: Record<string, ErrorConstructor> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
};

/** `err` as a plain object that any structured clone keeps whole. */
export function toWire(err: unknown, depth = 0): WireError {
  if (
    err instanceof Error || (typeof err === "object" && err !== null && "message" in err && "stack" in err)
  ) {
    const e = err as Error & { code?: unknown };
    const wire: WireError = { isError: true, name: String(e.name), message: String(e.message) };
    if (typeof e.stack === "string") wire.stack = e.stack;
    if (e.code !== undefined) wire.code = cloneable(e.code) ? e.code : String(e.code);
    if (e.cause !== undefined && depth < 4) wire.cause = toWire(e.cause, depth + 1);
    return wire;
  }
  return {
    isError: false,
    name: "",
    message: String(err),
    value: cloneable(err) ? err : String(err),
  };
}

/** The error (or thrown value) a {@link WireError} describes, rebuilt. */
export function fromWire(wire: WireError): unknown {
  if (!wire.isError) return wire.value;
  const Class = Object.hasOwn(BUILTIN, wire.name) ? BUILTIN[wire.name] : Error;
  const err = new Class(wire.message) as Error & { code?: unknown };
  if (err.name !== wire.name) {
    Object.defineProperty(err, "name", { value: wire.name, configurable: true, writable: true });
  }
  // The worker's stack is the useful one; ours would only name the pool.
  if (wire.stack !== undefined) {
    Object.defineProperty(err, "stack", { value: wire.stack, configurable: true, writable: true });
  }
  if (wire.code !== undefined) err.code = wire.code;
  if (wire.cause !== undefined) {
    Object.defineProperty(err, "cause", { value: fromWire(wire.cause), configurable: true, writable: true });
  }
  return err;
}

function cloneable(value: unknown): boolean {
  const t = typeof value;
  return value === null || t === "string" || t === "number" || t === "boolean" || t === "undefined" ||
    t === "bigint";
}
