/**
 * Property tests of the parser (fast-check):
 * - any valid request stream (methods, targets, fields, bodies by length or
 *   chunked, pipelined) gives the events a model predicts, under any
 *   chunking, pausing or not (HP1, HP2, HP6);
 * - any bytes at all — random, or a valid stream with bytes flipped,
 *   inserted or deleted — never throw, make progress, give the same outcome
 *   under any chunking, and keep retained memory under the head limit (HP4).
 */

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Http1ParserOptions } from "../../core/http1/parser.ts";
import { replay, show } from "./_corpus.ts";
import { applyEdits, bytes, edit, type Req, serialize, stream } from "./_model.ts";

function shown(s: string): string {
  const b = bytes(s);
  return show(b, 0, b.length);
}

/** The log the corpus recorder must write for `reqs`, derived from the model alone. */
function expectedLog(reqs: Req[]): string[] {
  const log: string[] = [];
  let offset = 0;
  for (const r of reqs) {
    log.push("begin", `request ${r.method} ${shown(r.target)} HTTP/1.1`, "header Host: h");
    for (const [n, , v] of r.fields) log.push(`header ${shown(n)}:${v === "" ? "" : ` ${shown(v)}`}`);
    const b = r.body;
    if (r.close) log.push("header Connection: close");
    if (b.kind === "length") log.push(`header Content-Length: ${b.data.length}`);
    if (b.kind === "chunked") log.push("header Transfer-Encoding: chunked");
    const framing = b.kind === "chunked"
      ? "chunked"
      : b.kind === "length"
      ? `length=${b.data.length}`
      : "none";
    log.push(`headers ${framing} ${r.close ? "close" : "keep-alive"}`);
    const data = b.kind === "length" ? b.data : b.kind === "chunked" ? b.chunks.join("") : "";
    if (data !== "") log.push(`body ${shown(data)}`);
    log.push("complete");
    offset += serialize([r]).length;
    if (r.close) {
      log.push(`closed @${offset}`);
      break;
    }
  }
  return log;
}

/** Sorted, distinct cut points inside `0..n`. */
function cutsOf(n: number) {
  return fc.uniqueArray(fc.integer({ min: 1, max: Math.max(1, n - 1) }), { maxLength: Math.min(n, 12) })
    .map((cs) => cs.filter((c) => c < n).sort((a, b) => a - b));
}

describe("http1 parser properties", () => {
  it("any valid stream gives the model's events under any chunking", () => {
    fc.assert(
      fc.property(
        stream.chain((reqs) => {
          const input = bytes(serialize(reqs));
          return fc.tuple(fc.constant(reqs), fc.constant(input), cutsOf(input.length), fc.boolean());
        }),
        ([reqs, input, cuts, pause]) => {
          expect(replay(input, cuts, {}, pause)).toEqual(expectedLog(reqs));
        },
      ),
      { numRuns: 400 },
    );
  });

  it("any valid stream parses the same fed one byte at a time", () => {
    fc.assert(
      fc.property(stream, (reqs) => {
        const input = bytes(serialize(reqs));
        const cuts = Array.from({ length: input.length - 1 }, (_, i) => i + 1);
        expect(replay(input, cuts, {})).toEqual(expectedLog(reqs));
      }),
      { numRuns: 100 },
    );
  });

  const small: Http1ParserOptions = { maxHeaderBytes: 64, maxUriBytes: 16, maxHeaders: 4, maxBodyBytes: 32 };

  it("random bytes never throw and give one outcome under any chunking", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 200 }).chain((input) =>
          fc.tuple(fc.constant(input), cutsOf(input.length), fc.constantFrom({}, small))
        ),
        ([input, cuts, options]) => {
          const whole = replay(input, [], options);
          expect(whole.some((l) => l.startsWith("PROBLEM"))).toBe(false);
          expect(replay(input, cuts, options)).toEqual(whole);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("valid streams with bytes flipped, inserted or deleted give one outcome under any chunking", () => {
    const edits = edit([0, 9, 10, 13, 32, 44, 58, 59, 0x30, 0x7f, 0x80, 0xff, 0x22, 0x5c]);
    fc.assert(
      fc.property(
        stream.chain((reqs) =>
          fc.tuple(fc.constant(bytes(serialize(reqs))), fc.array(edits, { minLength: 1, maxLength: 3 }))
        ).chain(([valid, applied]) => {
          const input = applyEdits(valid, applied);
          return fc.tuple(fc.constant(input), cutsOf(input.length), fc.constantFrom({}, small), fc.boolean());
        }),
        ([input, cuts, options, pause]) => {
          const whole = replay(input, [], options);
          expect(whole.some((l) => l.startsWith("PROBLEM"))).toBe(false);
          expect(replay(input, cuts, options, pause)).toEqual(whole);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("retained memory stays under the head limit for any head fed byte by byte", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 300 }),
        fc.integer({ min: 16, max: 128 }),
        (tail, max) => {
          const input = new Uint8Array([...bytes("GET /"), ...tail]);
          const cuts = Array.from({ length: input.length - 1 }, (_, i) => i + 1);
          const log = replay(input, cuts, { maxHeaderBytes: max });
          expect(log.filter((l) => l.startsWith("PROBLEM"))).toEqual([]);
        },
      ),
      { numRuns: 300 },
    );
  });
});
