/**
 * permessage-deflate's compressor and decompressor for one connection
 * (RFC 7692 §7), over the runtime's raw deflate, one message at a time and
 * synchronous.
 *
 * Context takeover is kept without a long-lived zlib stream: the LZ77 window
 * a stream would carry from one message to the next is the last 2^bits
 * bytes of earlier messages, so each message is (de)compressed with those
 * bytes as its preset dictionary. This needs only the runtimes' one-shot
 * `deflateRawSync`/`inflateRawSync` (the same on Node, Bun and Deno), and
 * `maxOutputLength` bounds a message while it inflates (WP4).
 *
 * @module
 */

import type { DeflateParams } from "./handshake.ts";
import type { Inflater } from "./parser.ts";
import type { Deflater } from "./connection.ts";
import type { RawZlib } from "./types.ts";

/**
 * `window` as a non-final stored deflate block (RFC 1951 §3.2.4): inflated in
 * front of a message, it is the history the message's back-references reach
 * into, as a preset dictionary would be.
 */
function storedBlock(window: Uint8Array, message: Uint8Array): Uint8Array {
  const n = window.length; // at most 2^15, within a stored block's 65535
  const out = new Uint8Array(5 + n + message.length);
  out[0] = 0; // BFINAL 0, BTYPE 00, then padding to the byte
  out[1] = n & 0xff;
  out[2] = n >>> 8;
  out[3] = ~n & 0xff;
  out[4] = (~n >>> 8) & 0xff;
  out.set(window, 5);
  out.set(message, 5 + n);
  return out;
}

/** The last `size` bytes of `window` followed by `data`. */
function slide(window: Uint8Array, data: Uint8Array, size: number): Uint8Array {
  if (data.length >= size) return data.slice(data.length - size);
  const keep = Math.min(window.length, size - data.length);
  const out = new Uint8Array(keep + data.length);
  out.set(window.subarray(window.length - keep));
  out.set(data, keep);
  return out;
}

const NONE: Uint8Array = new Uint8Array(0);

/** The decompressor of one connection: the client's messages. */
export function inflaterFor(zlib: RawZlib, params: DeflateParams): Inflater {
  const size = 1 << params.clientMaxWindowBits;
  let window: Uint8Array = NONE;
  return {
    inflate(compressed, limit) {
      let out: Uint8Array;
      const prefix = zlib.dictionary ? 0 : window.length;
      try {
        out = prefix > 0
          ? zlib.inflateRaw(storedBlock(window, compressed), { maxOutputLength: prefix + Math.max(limit, 1) })
            .subarray(prefix)
          : zlib.inflateRaw(compressed, {
            dictionary: window.length > 0 ? window : undefined,
            maxOutputLength: Math.max(limit, 1),
          });
      } catch (err) {
        if (zlib.isTooLarge(err)) return null;
        throw err;
      }
      if (out.length > limit) return null;
      if (!params.clientNoContextTakeover) window = slide(window, out, size);
      return out;
    },
  };
}

/** The compressor of one connection: the server's messages. */
export function deflaterFor(zlib: RawZlib, params: DeflateParams): Deflater {
  const bits = params.serverMaxWindowBits;
  const size = 1 << bits;
  let window: Uint8Array = NONE;
  return {
    deflate(message) {
      const out = zlib.deflateRaw(message, {
        dictionary: window.length > 0 ? window : undefined,
        windowBits: bits,
      });
      if (!params.serverNoContextTakeover) window = slide(window, message, size);
      // The sync flush's empty stored block is left off the wire (RFC 7692 §7.2.1).
      return out.subarray(0, out.length - 4);
    },
  };
}
