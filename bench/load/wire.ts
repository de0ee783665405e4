/**
 * The load host's wire format: one JSON line per message, `{ "w": i, "m": msg }`,
 * with typed arrays (a job's request batch, a report's histogram counts)
 * tagged so they come back as the same kind of array.
 *
 * @module
 */

const TAG = "__typed";

function replacer(_key: string, value: unknown): unknown {
  if (value instanceof Uint8Array) return { [TAG]: "u8", data: Array.from(value) };
  if (value instanceof Float64Array) return { [TAG]: "f64", data: Array.from(value) };
  return value;
}

function reviver(_key: string, value: unknown): unknown {
  if (value !== null && typeof value === "object" && TAG in value) {
    const v = value as { [TAG]: string; data: number[] };
    if (v[TAG] === "u8") return Uint8Array.from(v.data);
    if (v[TAG] === "f64") return Float64Array.from(v.data);
  }
  return value;
}

/** One message for thread `w` (or from it), as one line without its newline. */
export function encodeMessage(w: number, m: unknown): string {
  return JSON.stringify({ w, m }, replacer);
}

/** The inverse of {@link encodeMessage}. */
export function decodeMessage(line: string): { w: number; m: unknown } {
  return JSON.parse(line, reviver);
}
