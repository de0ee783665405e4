// core/ws/deflate.ts: permessage-deflate's context takeover through preset
// dictionaries, and through a stored block where the runtime's zlib ignores
// the dictionary option (Deno's node:zlib, 2.9).
import { constants, createDeflateRaw } from "node:zlib";
import { describe, expect, it } from "vitest";
import { rawZlib } from "../../adapters/_zlib.ts";
import { inflaterFor } from "../../core/ws/deflate.ts";
import type { RawZlib } from "../../core/ws/types.ts";

const params = {
  serverNoContextTakeover: false,
  clientNoContextTakeover: false,
  serverMaxWindowBits: 15,
  clientMaxWindowBits: 15,
};

/** node:zlib as Deno's behaves: the dictionary option dropped. */
const noDictionary: RawZlib = {
  ...rawZlib,
  inflateRaw: (data, { maxOutputLength }) => rawZlib.inflateRaw(data, { maxOutputLength }),
  deflateRaw: (data, { windowBits }) => rawZlib.deflateRaw(data, { windowBits }),
  dictionary: false,
};

/** A client's compressor with context takeover: one deflate stream, sync-flushed per message. */
async function clientMessages(texts: string[]): Promise<Uint8Array[]> {
  const z = createDeflateRaw();
  const out: Uint8Array[] = [];
  for (const t of texts) {
    const chunks: Buffer[] = [];
    const onData = (c: Buffer) => chunks.push(c);
    z.on("data", onData);
    z.write(t);
    await new Promise<void>((r) => z.flush(constants.Z_SYNC_FLUSH, () => r()));
    z.off("data", onData);
    const all = Buffer.concat(chunks);
    out.push(all.subarray(0, all.length - 4)); // RFC 7692 §7.2.1: the tail is left off
  }
  z.close();
  return out;
}

const TAIL = new Uint8Array([0, 0, 0xff, 0xff]);
const withTail = (m: Uint8Array) => Buffer.concat([m, TAIL]);

describe("permessage-deflate context takeover", () => {
  const texts = Array.from(
    { length: 5 },
    (_, i) => `{"id":${i},"name":"the same keys every time"}`.repeat(20),
  );

  for (const [what, zlib] of [["a preset dictionary", rawZlib], ["a stored block", noDictionary]] as const) {
    it(`inflates messages that refer to earlier ones, through ${what}`, async () => {
      const msgs = await clientMessages(texts);
      expect(msgs[1].length).toBeLessThan(msgs[0].length / 2); // they do refer back
      const inflater = inflaterFor(zlib, params);
      for (let i = 0; i < texts.length; i++) {
        expect(new TextDecoder().decode(inflater.inflate(withTail(msgs[i]), 1 << 20)!)).toBe(texts[i]);
      }
    });

    it(`bounds the message, not the window, through ${what}`, async () => {
      const msgs = await clientMessages(texts);
      const inflater = inflaterFor(zlib, params);
      inflater.inflate(withTail(msgs[0]), 1 << 20);
      expect(inflater.inflate(withTail(msgs[1]), texts[1].length)).not.toBeNull();
      expect(inflater.inflate(withTail(msgs[2]), texts[2].length - 1)).toBeNull();
    });
  }

  it("the adapter's zlib says whether it honours the dictionary", () => {
    expect(rawZlib.dictionary).toBe(true); // this is Node
  });
});
