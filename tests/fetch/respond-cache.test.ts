// The small-response cache in core/server/respond.ts: a hit gives exactly
// the bytes a fresh encode gives; anything in the key that changes (status,
// fields, body, framing, the date second) misses.
import { describe, expect, it } from "vitest";
import { OutBuffer } from "../../core/server/out-buffer.ts";
import { type Resolved, writeHead, writeTextResponse } from "../../core/server/respond.ts";

const dec = new TextDecoder();

function resolved(status: number, list: string[], statusText = ""): Resolved {
  return {
    status,
    statusText,
    fields: { list, contentType: true, declaredLength: -1, close: false },
    bytes: null,
    text: null,
    stream: null,
  };
}

function text(r: Resolved, body: string, keepAlive = true, http10 = false, noBody = false): string {
  const out = new OutBuffer();
  writeTextResponse(out, r, keepAlive, http10, body, noBody);
  return dec.decode(out.buf.subarray(0, out.len));
}

/** The reference: the head writer, then the body, with no cache involved. */
function reference(r: Resolved, body: string, keepAlive = true, http10 = false, noBody = false): string {
  const out = new OutBuffer();
  writeHead(out, r, new TextEncoder().encode(body).byteLength, keepAlive, http10);
  if (!noBody) out.text(body);
  return dec.decode(out.buf.subarray(0, out.len));
}

describe("writeTextResponse", () => {
  it("gives the same bytes on the first, second (cached) and later calls", () => {
    const r = () => resolved(200, ["content-type", "text/plain;charset=UTF-8"]);
    const want = reference(r(), "Hello, World!");
    for (let i = 0; i < 5; i++) expect(text(r(), "Hello, World!")).toBe(want);
  });

  it("misses on any change of status, reason, fields, body, framing or HEAD", () => {
    const base = ["content-type", "text/plain"];
    for (let i = 0; i < 3; i++) text(resolved(200, base), "same"); // cached
    const cases: Array<[Resolved, string, boolean, boolean, boolean]> = [
      [resolved(201, base), "same", true, false, false],
      [resolved(200, base, "Fine"), "same", true, false, false],
      [resolved(200, ["content-type", "text/html"]), "same", true, false, false],
      [resolved(200, [...base, "x-a", "1"]), "same", true, false, false],
      [resolved(200, base), "Same", true, false, false],
      [resolved(200, base), "same", false, false, false],
      [resolved(200, base), "same", true, true, false],
      [resolved(200, base), "same", true, false, true], // HEAD: the GET's length, no body
      [resolved(200, base), "sämé", true, false, false], // UTF-8: 6 bytes, 4 units
    ];
    for (const [r, body, keepAlive, http10, noBody] of cases) {
      for (let i = 0; i < 3; i++) {
        expect(text(r, body, keepAlive, http10, noBody)).toBe(reference(r, body, keepAlive, http10, noBody));
      }
    }
  });

  it("a new second gives a new date line, not the cached one", async () => {
    const r = () => resolved(200, ["content-type", "text/plain"]);
    const a = text(r(), "tick");
    text(r(), "tick");
    expect(text(r(), "tick")).toBe(a); // a hit
    await new Promise((done) => setTimeout(done, 1100)); // the second (and its date line) ends
    const b = text(r(), "tick");
    expect(b).not.toBe(a);
    expect(b).toBe(reference(r(), "tick"));
    expect(b).toContain(`date: ${new Date(Math.floor(Date.now() / 1000) * 1000).toUTCString()}\r\n`);
    // Cached again under the new date: hits give the new bytes, not the old.
    for (let i = 0; i < 3; i++) expect(text(r(), "tick")).toBe(b);
  });

  it("dynamic bodies are never cached (each differs from the last miss)", () => {
    const r = () => resolved(200, ["content-type", "application/json"]);
    for (let i = 0; i < 50; i++) {
      const body = JSON.stringify({ i });
      expect(text(r(), body)).toBe(reference(r(), body));
    }
  });
});
