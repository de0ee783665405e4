/**
 * A model of valid HTTP/1.1 request streams for the parser's property tests
 * (fast-check): methods, origin-form targets, fields with OWS and obs-text,
 * bodies by length or chunked (with extensions and trailers), pipelined.
 *
 * @module
 */

import fc from "fast-check";

// ---- a model of valid requests ----------------------------------------------

export interface Req {
  method: string;
  target: string;
  fields: [string, string, string][]; // name, value as sent (with OWS), value trimmed
  body: { kind: "none" } | { kind: "length"; data: string } | {
    kind: "chunked";
    chunks: string[];
    exts: string[];
    trailers: string[];
  };
  close: boolean;
}

const tchar = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
const token = (max: number) => fc.string({ unit: fc.constantFrom(...tchar), minLength: 1, maxLength: max });
const uriChars =
  "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,;=:@%/?#[]{}|\\^`\"<>";
const vchar = fc.integer({ min: 0x21, max: 0xff }).filter((c) => c !== 0x7f).map((c) =>
  String.fromCharCode(c)
);
const special = new Set(["host", "content-length", "transfer-encoding", "connection", "expect", "upgrade"]);
const bodyByte = fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c));

const value = fc.tuple(
  fc.string({ unit: vchar, maxLength: 12 }),
  fc.string({ unit: fc.oneof(vchar, fc.constantFrom(" ", "\t")), maxLength: 12 }),
  fc.string({ unit: vchar, maxLength: 1 }),
).map(([a, mid, z]) => (a === "" ? "" : a + mid + z).replace(/^[ \t]+|[ \t]+$/g, ""));
const ows = fc.string({ unit: fc.constantFrom(" ", "\t"), maxLength: 2 });

const field = fc.tuple(token(16).filter((n) => !special.has(n.toLowerCase())), ows, value, ows)
  .map(([n, a, v, z]) => [n, `${a}${v}${z}`, v] as [string, string, string]);

const chunkExt = fc.oneof(
  fc.constant(""),
  token(6).map((n) => `;${n}`),
  fc.tuple(token(6), token(6)).map(([n, v]) => `;${n}=${v}`),
  fc.tuple(
    token(6),
    fc.string({ unit: fc.constantFrom("a", " ", ",", ";", "=", "\\\\", '\\"'), maxLength: 6 }),
  )
    .map(([n, v]) => `; ${n} = "${v}"`),
);

const body = fc.oneof(
  fc.constant({ kind: "none" as const }),
  fc.string({ unit: bodyByte, minLength: 1, maxLength: 40 }).map((data) => ({
    kind: "length" as const,
    data,
  })),
  fc.array(fc.tuple(fc.string({ unit: bodyByte, minLength: 1, maxLength: 20 }), chunkExt), { maxLength: 4 })
    .chain((chunks) =>
      fc.tuple(fc.constant(chunks), chunkExt, fc.array(fc.tuple(token(8), value), { maxLength: 2 })).map((
        [cs, lastExt, trailers],
      ) => ({
        kind: "chunked" as const,
        chunks: cs.map(([d]) => d),
        exts: [...cs.map(([, e]) => e), lastExt],
        trailers: trailers.map(([n, v]) => `${n}: ${v}`),
      }))
    ),
);

export const request: fc.Arbitrary<Req> = fc.record({
  method: fc.oneof(
    fc.constantFrom("GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "TRACE"),
    token(10),
  ),
  target: fc.string({ unit: fc.constantFrom(...uriChars), maxLength: 30 }).map((t) => `/${t}`),
  fields: fc.array(field, { maxLength: 6 }),
  body,
  close: fc.boolean().map(() => false),
}).filter((r) => r.method !== "CONNECT");

export const stream = fc.array(request, { minLength: 1, maxLength: 4 }).chain((reqs) =>
  fc.boolean().map((closeLast) => {
    if (closeLast) reqs[reqs.length - 1] = { ...reqs[reqs.length - 1], close: true };
    return reqs;
  })
);

export function serialize(reqs: Req[]): string {
  let s = "";
  for (const r of reqs) {
    s += `${r.method} ${r.target} HTTP/1.1\r\nHost: h\r\n`;
    for (const [n, raw] of r.fields) s += `${n}:${raw}\r\n`;
    if (r.close) s += "Connection: close\r\n";
    const b = r.body;
    if (b.kind === "length") s += `Content-Length: ${b.data.length}\r\n\r\n${b.data}`;
    else if (b.kind === "chunked") {
      s += "Transfer-Encoding: chunked\r\n\r\n";
      b.chunks.forEach((c, i) => (s += `${c.length.toString(16)}${b.exts[i]}\r\n${c}\r\n`));
      s += `0${b.exts[b.chunks.length]}\r\n${b.trailers.map((t) => `${t}\r\n`).join("")}\r\n`;
    } else s += "\r\n";
  }
  return s;
}

export function bytes(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

/** One edit of a valid stream: flip, insert or delete one of `bytes` at some position. */
export type Edit = ["flip" | "insert" | "delete", number, number];

/** Edits that put one of `bytes` somewhere (positions wrap around the input). */
export function edit(bytes: number[]): fc.Arbitrary<Edit> {
  return fc.tuple(
    fc.constantFrom("flip" as const, "insert" as const, "delete" as const),
    fc.nat(),
    fc.constantFrom(...bytes),
  );
}

/** `valid` with `edits` applied in order. */
export function applyEdits(valid: Uint8Array, edits: Edit[]): Uint8Array {
  const b = [...valid];
  for (const [op, at, byte] of edits) {
    const i = at % (b.length + 1);
    if (op === "flip" && i < b.length) b[i] = byte;
    else if (op === "insert") b.splice(i, 0, byte);
    else if (op === "delete" && i < b.length) b.splice(i, 1);
  }
  return Uint8Array.from(b);
}
