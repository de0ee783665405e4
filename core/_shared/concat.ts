/**
 * Joining byte chunks: the request body read whole, a WebSocket message of
 * several frames or reads.
 *
 * @module
 */

/** `chunks` in one new array of `size` bytes (their total). */
export function concat(chunks: readonly Uint8Array[], size: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}
