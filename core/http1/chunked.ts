/**
 * The chunked transfer coding, sending side (RFC 9112 §7.1): each piece of
 * body as `size-in-hex CRLF data CRLF`, then `0 CRLF CRLF`.
 *
 * Two shapes, for two sizes: {@link encodeChunk} copies a small piece into
 * one buffer with its framing (one write, one syscall); for a large piece
 * write {@link chunkPrefix}, the data itself and {@link CRLF}, so the data is
 * never copied.
 *
 * @module
 */

import { TriloopError } from "../errors.ts";

/** `CRLF`, the end of a chunk. Shared: never modify it. */
export const CRLF: Uint8Array = new Uint8Array([13, 10]);

/** `0 CRLF CRLF`: the last chunk and an empty trailer section. Shared: never modify it. */
export const LAST_CHUNK: Uint8Array = new Uint8Array([48, 13, 10, 13, 10]);

const HEX_DIGITS = "0123456789abcdef";

/** Bytes of framing around a chunk of `size` bytes: the size line and the CRLF after the data. */
export function chunkOverhead(size: number): number {
  return hexLength(size) + 4;
}

/**
 * Writes the size line of a chunk of `size` bytes (`1a2b\r\n`) into `into`
 * at `at`; returns the index after it. `size` must be a positive safe
 * integer: a zero-size chunk would end the body.
 */
export function writeChunkPrefix(size: number, into: Uint8Array, at: number): number {
  if (!Number.isSafeInteger(size) || size <= 0) {
    throw new TriloopError("TRI_ERR_INVALID_ARG", `Chunk size must be a positive integer, got ${size}`);
  }
  let i = at + hexLength(size);
  const end = i;
  for (let n = size; n > 0; n = Math.floor(n / 16)) into[--i] = HEX_DIGITS.charCodeAt(n % 16);
  into[end] = 13;
  into[end + 1] = 10;
  return end + 2;
}

/** The size line of a chunk of `size` bytes, as new bytes. */
export function chunkPrefix(size: number): Uint8Array {
  const b = new Uint8Array(hexLength(size) + 2);
  writeChunkPrefix(size, b, 0);
  return b;
}

/**
 * `data` as one chunk in one new buffer (size line, data, CRLF); an empty
 * `data` gives an empty buffer, since a zero-size chunk would end the body.
 *
 * @example Streaming a body chunked
 * ```ts
 * import { encodeChunk, LAST_CHUNK } from "./chunked.ts";
 * const parts = [encodeChunk(new TextEncoder().encode("hello")), LAST_CHUNK];
 * // "5\r\nhello\r\n" then "0\r\n\r\n"
 * ```
 */
export function encodeChunk(data: Uint8Array): Uint8Array {
  const n = data.byteLength;
  if (n === 0) return new Uint8Array(0);
  const out = new Uint8Array(chunkOverhead(n) + n);
  const at = writeChunkPrefix(n, out, 0);
  out.set(data, at);
  out[at + n] = 13;
  out[at + n + 1] = 10;
  return out;
}

function hexLength(size: number): number {
  let len = 1;
  for (let n = size; n >= 16; n = Math.floor(n / 16)) len++;
  return len;
}
