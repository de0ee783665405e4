/**
 * permessage-deflate's raw deflate on node:zlib
 * (https://nodejs.org/api/zlib.html), which Node, Bun and Deno all provide
 * with the same synchronous one-shot API.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import * as zlib from "node:zlib";
import type { RawZlib } from "../core/ws/types.ts";

/** node:zlib as core/ws/deflate.ts takes it. */
export const rawZlib: RawZlib = {
  inflateRaw(data, { dictionary, maxOutputLength }) {
    return zlib.inflateRawSync(data, {
      finishFlush: zlib.constants.Z_SYNC_FLUSH,
      maxOutputLength,
      ...(dictionary === undefined ? {} : { dictionary }),
    });
  },
  deflateRaw(data, { dictionary, windowBits }) {
    return zlib.deflateRawSync(data, {
      finishFlush: zlib.constants.Z_SYNC_FLUSH,
      windowBits,
      ...(dictionary === undefined ? {} : { dictionary }),
    });
  },
  isTooLarge: (err) => (err as { code?: string }).code === "ERR_BUFFER_TOO_LARGE",
  dictionary: honoursDictionary(),
};

/** Whether deflateRawSync uses a preset dictionary: a text deflated with itself as one shrinks. */
function honoursDictionary(): boolean {
  const text = new TextEncoder().encode("triloop permessage-deflate dictionary probe ".repeat(4));
  const plain = zlib.deflateRawSync(text).length;
  return zlib.deflateRawSync(text, { dictionary: text }).length < plain;
}

/** A `Buffer` over the same bytes, for `binaryType: "nodebuffer"`. */
export function toBuffer(bytes: Uint8Array): Uint8Array {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** What every adapter gives the kernel's WebSocket server. */
export const wsRuntime = { zlib: rawZlib, toBuffer };
