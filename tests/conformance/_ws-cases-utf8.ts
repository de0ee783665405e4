/**
 * UTF-8 handling: the Autobahn testsuite's section 6. Text messages are
 * valid UTF-8 or the connection fails with 1007 (WP3) — whole, split into
 * fragments anywhere, and as soon as the bytes show it (fail fast). The byte
 * sequences are the classes of Markus Kuhn's UTF-8 decoder test file, as the
 * catalogue uses them.
 *
 * @module
 */

import assert from "node:assert/strict";
import { closeClean, expectFail, expectFrame, raw, type WsCase } from "./_ws-case.ts";
import { clientFrame, closeOf, OP } from "./_ws-client.ts";

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ""), "hex");
const KOSME = hex("ceba e1bdb9 cf83 cebc ceb5"); // κόσμε

/** Valid UTF-8: each must come back as sent. */
const VALID: Array<[string, Buffer]> = [
  ["U+0024", Buffer.from("hello$world")],
  ["U+00A2", hex("68656c6c6f c2a2 776f726c64")],
  ["U+20AC", hex("68656c6c6f e282ac 776f726c64")],
  ["U+24B62", hex("68656c6c6f f0a4ada2 776f726c64")],
  ["κόσμε", KOSME],
  ["German and French letters", Buffer.from("Hello-µ@ßöäüàá-UTF-8!!")],
  ["first of 1 byte (NUL)", hex("00")],
  ["first of 2 bytes", hex("c280")],
  ["first of 3 bytes", hex("e0a080")],
  ["first of 4 bytes", hex("f0908080")],
  ["last of 1 byte", hex("7f")],
  ["last of 2 bytes", hex("dfbf")],
  ["last of 3 bytes", hex("efbfbf")],
  ["last of 4 bytes (U+10FFFF)", hex("f48fbfbf")],
  ["U+D7FF", hex("ed9fbf")],
  ["U+E000", hex("ee8080")],
  ["U+FFFD", hex("efbfbd")],
  ["noncharacter U+FFFE", hex("efbfbe")],
  ["noncharacter U+1FFFE", hex("f09fbfbe")],
];

/** Invalid UTF-8: each must fail the connection with 1007. */
const INVALID: Array<[string, Buffer]> = [
  ["5-byte form", hex("f888808080")],
  ["6-byte form", hex("fc8480808080")],
  ["past U+10FFFF (4 bytes)", hex("f7bfbfbf")],
  ["past U+10FFFF (5 bytes)", hex("fbbfbfbfbf")],
  ["past U+10FFFF (6 bytes)", hex("fdbfbfbfbfbf")],
  ["U+110000", hex("f4908080")],
  ["a lone continuation byte 80", hex("80")],
  ["a lone continuation byte bf", hex("bf")],
  ["continuation bytes 80 bf 80 bf", hex("80bf80bf")],
  ["every continuation byte", Buffer.from(Array.from({ length: 64 }, (_, i) => 0x80 + i))],
  ["lonely 2-byte starts", Buffer.from(Array.from({ length: 32 }, (_, i) => [0xc0 + i, 0x20]).flat())],
  ["lonely 3-byte starts", Buffer.from(Array.from({ length: 16 }, (_, i) => [0xe0 + i, 0x20]).flat())],
  ["lonely 4-byte starts", Buffer.from(Array.from({ length: 8 }, (_, i) => [0xf0 + i, 0x20]).flat())],
  ["lonely 5- and 6-byte starts", hex("f820 f920 fa20 fb20 fc20 fd20")],
  ["2 bytes, last missing", hex("c2")],
  ["3 bytes, last missing", hex("e0a0")],
  ["4 bytes, last missing", hex("f09080")],
  ["2 bytes, last missing (max)", hex("df")],
  ["3 bytes, last missing (max)", hex("efbf")],
  ["4 bytes, last missing (max)", hex("f48fbf")],
  ["incomplete sequences in a row", hex("c2 e0a0 f09080 df efbf f48fbf")],
  ["byte fe", hex("fe")],
  ["byte ff", hex("ff")],
  ["fe fe ff ff", hex("fefeffff")],
  ["overlong / (2 bytes)", hex("c0af")],
  ["overlong / (3 bytes)", hex("e080af")],
  ["overlong / (4 bytes)", hex("f08080af")],
  ["maximum overlong (2 bytes)", hex("c1bf")],
  ["maximum overlong (3 bytes)", hex("e09fbf")],
  ["maximum overlong (4 bytes)", hex("f08fbfbf")],
  ["overlong NUL (2 bytes)", hex("c080")],
  ["overlong NUL (3 bytes)", hex("e08080")],
  ["surrogate U+D800", hex("eda080")],
  ["surrogate U+DB7F", hex("edadbf")],
  ["surrogate U+DBFF", hex("edafbf")],
  ["surrogate U+DC00", hex("edb080")],
  ["surrogate U+DFFF", hex("edbfbf")],
  ["surrogate pair U+D800 U+DC00", hex("eda080 edb080")],
  ["surrogate pair U+DBFF U+DFFF", hex("edafbf edbfbf")],
  ["κόσμε cut inside its last code point", KOSME.subarray(0, KOSME.length - 1)],
  ["valid text, then U+110000", Buffer.concat([KOSME, hex("f4908080"), Buffer.from("edited")])],
];

/** `payload` as one text frame per byte. */
function byteFragments(payload: Buffer): Buffer {
  if (payload.length === 0) return Buffer.from(clientFrame(OP.TEXT, ""));
  return Buffer.concat(
    Array.from(
      payload,
      (b, i) =>
        clientFrame(i === 0 ? OP.TEXT : OP.CONT, new Uint8Array([b]), { fin: i === payload.length - 1 }),
    ),
  );
}

/** Fail fast (6.4): `first` is accepted and nothing happens; `second` fails at once, before the message ends. */
async function failFast(
  t: Parameters<WsCase["run"]>[0],
  first: Uint8Array,
  second: Uint8Array,
  what: string,
) {
  const c = await raw(t);
  await c.send(first);
  const early = await c.maybeFrame(300);
  assert.equal(early, undefined, `${what}: the valid part got an answer`);
  assert.ok(!c.ended, `${what}: the valid part ended the connection`);
  await c.send(second);
  // The rest of the message never comes: the close must not wait for it.
  const f = await c.frame(3_000);
  assert.equal(closeOf(f).code, 1007, `${what}: close code`);
  await c.waitEnd();
  c.destroy();
}

export const utf8Cases: WsCase[] = [
  {
    name: "WS2 6.1 empty text: one frame, three empty fragments, empty first and last fragments",
    async run(t) {
      const c = await raw(t);
      await c.send(clientFrame(OP.TEXT, ""));
      await expectFrame(c, OP.TEXT, "", "one frame");
      await c.send(
        clientFrame(OP.TEXT, "", { fin: false }),
        clientFrame(OP.CONT, "", { fin: false }),
        clientFrame(OP.CONT, ""),
      );
      await expectFrame(c, OP.TEXT, "", "three empty fragments");
      await c.send(
        clientFrame(OP.TEXT, "", { fin: false }),
        clientFrame(OP.CONT, "middle", { fin: false }),
        clientFrame(OP.CONT, ""),
      );
      await expectFrame(c, OP.TEXT, "middle", "empty first and last");
      await closeClean(c, "after");
    },
  },
  {
    name: "WS2 6.2 6.5 valid UTF-8 comes back: in one frame, split at a code point, in 1-byte fragments",
    timeoutMs: 30_000,
    async run(t) {
      const c = await raw(t);
      const split = Buffer.from("Hello-µ@ßöäüàá-UTF-8!!");
      for (const [what, payload] of VALID) {
        await c.send(clientFrame(OP.TEXT, payload));
        await expectFrame(c, OP.TEXT, payload, what);
        await c.send(byteFragments(payload));
        await expectFrame(c, OP.TEXT, payload, `${what}, 1-byte fragments`);
      }
      // 6.2.2: two fragments at a code point boundary (after "µ").
      await c.send(
        clientFrame(OP.TEXT, split.subarray(0, 8), { fin: false }),
        clientFrame(OP.CONT, split.subarray(8)),
      );
      await expectFrame(c, OP.TEXT, split, "two fragments at a code point");
      // 6.2.3-6.2.4: every split inside a code point, as frames and as chops of one frame.
      const frame = clientFrame(OP.TEXT, KOSME);
      await c.sendChopped(frame, 1);
      await expectFrame(c, OP.TEXT, KOSME, "κόσμε written byte by byte");
      await closeClean(c, "after");
    },
  },
  {
    name: "WP3 6.3 6.6-6.21 invalid UTF-8 fails with 1007, in one frame and in 1-byte fragments",
    timeoutMs: 30_000,
    async run(t) {
      const tries = INVALID.flatMap(([what, payload]) => [
        [what, Buffer.from(clientFrame(OP.TEXT, payload))] as const,
        [`${what}, 1-byte fragments`, byteFragments(payload)] as const,
      ]);
      // A few at a time: a runtime's accept queue is not what this case is about.
      for (let i = 0; i < tries.length; i += 16) {
        await Promise.all(
          tries.slice(i, i + 16).map(async ([what, stream]) => {
            const c = await raw(t);
            await c.send(stream);
            await expectFail(c, 1007, what);
          }),
        );
      }
    },
  },
  {
    name:
      "WP3 6.4.1-6.4.2 fail fast: the fragment that makes the text invalid fails it, before the message ends",
    async run(t) {
      await Promise.all([
        failFast(
          t,
          clientFrame(OP.TEXT, KOSME, { fin: false }),
          clientFrame(OP.CONT, hex("f4908080"), { fin: false }),
          "6.4.1 the whole invalid fragment",
        ),
        failFast(
          t,
          clientFrame(OP.TEXT, KOSME, { fin: false }),
          clientFrame(OP.CONT, hex("f490"), { fin: false }),
          "6.4.2 fragment up to the invalid byte",
        ),
      ]);
    },
  },
  {
    name:
      "WP3 6.4.3-6.4.4 fail fast: a frame fails at its invalid byte, before the rest of the frame arrives",
    async run(t) {
      const payload = Buffer.concat([KOSME, hex("f4908080"), Buffer.from("edited")]);
      const frame = Buffer.from(clientFrame(OP.TEXT, payload));
      const head = frame.length - payload.length;
      await Promise.all([
        failFast(
          t,
          frame.subarray(0, head + KOSME.length),
          frame.subarray(head + KOSME.length, head + KOSME.length + 4),
          "6.4.3",
        ),
        failFast(
          t,
          frame.subarray(0, head + KOSME.length),
          frame.subarray(head + KOSME.length, head + KOSME.length + 2),
          "6.4.4",
        ),
      ]);
    },
  },
  {
    name:
      "WP3 a fragmented text message valid in its parts but cut inside a code point at its end fails with 1007",
    async run(t) {
      const c = await raw(t);
      await c.send(clientFrame(OP.TEXT, KOSME, { fin: false }), clientFrame(OP.CONT, hex("e1bd")));
      await expectFail(c, 1007, "cut at the end");
    },
  },
];
