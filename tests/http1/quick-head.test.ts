/**
 * The head grammar's one-pass path (`HeadGrammar.quick`) against its state
 * machine (`HeadGrammar.fields`), on the same bytes (fast-check):
 * - every head of the valid-request model takes the one-pass path, and it
 *   reads what the state machine reads: request line, spans, flags, framing;
 * - on valid heads with bytes flipped, inserted or deleted, and under small
 *   limits, the one-pass path either declines (-2, and keeps nothing) or
 *   ends exactly as the state machine does: the same index, the same
 *   fields, or the same failure (code, position, reason).
 *
 * The replay tests (corpus, properties) compare whole and split input, which
 * compares the two paths too; this test compares them directly, head by head.
 */

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { HeadGrammar, type HeadLimits } from "../../core/http1/_head-grammar.ts";
import * as St from "../../core/http1/states.ts";
import { applyEdits, bytes, edit, serialize, stream } from "./_model.ts";

const DEFAULTS: HeadLimits = { maxHead: 16384, maxUri: 8192, maxHeaders: 100, maxBody: 128 * 1024 * 1024 };
const SMALL: HeadLimits = { maxHead: 64, maxUri: 16, maxHeaders: 4, maxBody: 32 };

/** Everything a head leaves readable, after `quick` or after `fields` plus `done` (after a failure, the failure). */
function outcome(g: HeadGrammar, r: number) {
  if (r === -1) return { r, errCode: g.errCode, errPos: g.errPos, errReason: g.errReason };
  return {
    r,
    state: g.state,
    errCode: g.errCode,
    errPos: g.errPos,
    errReason: g.errReason,
    method: g.method,
    minor: g.minor,
    targetStart: g.targetStart,
    targetEnd: g.targetEnd,
    count: g.count,
    spans: [...g.spans.subarray(0, g.count * 4)],
    flags: g.flags,
    te: g.te,
    contentLength: g.contentLength,
    hostStart: g.hostStart,
    hostEnd: g.hostEnd,
  };
}

/** A grammar at the first byte of the message at `b[0]`, or null when there is none. */
function begun(b: Uint8Array, limits: HeadLimits): { g: HeadGrammar; pos: number; lim: number } | null {
  const g = new HeadGrammar(limits);
  const pos = g.start(b, 0, b.length, 0);
  if (pos < 0 || g.state !== St.S_METHOD) return null;
  return { g, pos, lim: Math.min(b.length, g.headStart + limits.maxHead) };
}

/** Runs the one-pass path; -2 when it declined. */
function viaQuick(b: Uint8Array, limits: HeadLimits) {
  const s = begun(b, limits);
  if (s === null) return null;
  const { g, pos, lim } = s;
  const r = g.quick(b, pos, lim);
  if (r >= 0) {
    expect(g.state).toBe(St.S_DONE);
    return outcome(g, g.done(b, r) ? r : -1);
  }
  return r === -2 ? { declined: outcome(g, r) } : outcome(g, r);
}

/** Runs the state machine on the same bytes, as `run` does when `quick` declines. */
function viaFields(b: Uint8Array, limits: HeadLimits) {
  const { g, pos, lim } = begun(b, limits)!;
  let r = g.fields(b, pos, lim);
  if (r >= 0 && g.state === St.S_DONE) r = g.done(b, r) ? r : -1;
  return outcome(g, r);
}

/** A fresh grammar's per-message fields after `start`: what `quick` must leave when it declines. */
function untouched(b: Uint8Array, limits: HeadLimits) {
  return outcome(begun(b, limits)!.g, -2);
}

describe("head grammar: one pass against the state machine", () => {
  it("every valid head takes the one-pass path and reads what the state machine reads", () => {
    fc.assert(
      fc.property(stream, (reqs) => {
        const b = bytes(serialize(reqs));
        const q = viaQuick(b, DEFAULTS);
        expect(q).not.toBeNull();
        expect(q).not.toHaveProperty("declined");
        expect(q).toEqual(viaFields(b, DEFAULTS));
      }),
      { numRuns: 500 },
    );
  });

  it("on edited heads it declines and keeps nothing, or ends as the state machine does", () => {
    const edits = edit([0, 9, 10, 13, 32, 44, 47, 58, 59, 0x30, 0x31, 0x7f, 0x80, 0xff, 0x22, 0x5c]);
    let took = 0;
    fc.assert(
      fc.property(
        stream,
        fc.array(edits, { minLength: 1, maxLength: 3 }),
        fc.constantFrom(DEFAULTS, SMALL),
        (reqs, applied, limits) => {
          const input = applyEdits(bytes(serialize(reqs)), applied);
          const q = viaQuick(input, limits);
          if (q === null) return; // no request line begins here
          if ("declined" in q) {
            expect(q.declined).toEqual(untouched(input, limits));
            return;
          }
          took++;
          expect(q).toEqual(viaFields(input, limits));
        },
      ),
      { numRuns: 2000 },
    );
    // Not vacuous: many edited heads still take the one-pass path (an edit in a body, or a valid edit).
    expect(took).toBeGreaterThan(200);
  });

  it("long values (read a word at a time) end where the byte loop ends, for any bad byte anywhere", () => {
    const bad = [0x00, 0x01, 0x09, 0x0a, 0x0d, 0x1f, 0x7f];
    const good = [0x20, 0x21, 0x7e, 0x80, 0x9f, 0xff];
    let took = 0;
    for (let len = 14; len <= 44; len++) {
      for (let at = 0; at < len; at++) {
        for (const c of [...bad, ...good]) {
          const v = Array.from({ length: len }, (_, i) => (i === at ? c : 0x61 + (i % 26)));
          const head = [
            ...bytes("GET / HTTP/1.1\r\nHost: a\r\nX-Long: "),
            ...v,
            ...bytes("\r\nAccept: */*\r\n\r\n"),
          ];
          const b = Uint8Array.from(head);
          const q = viaQuick(b, DEFAULTS)!;
          if ("declined" in q) {
            expect(bad).toContain(c); // only a bad byte (or HTAB) sends it to the state machine
            expect(q.declined).toEqual(untouched(b, DEFAULTS));
            continue;
          }
          took++;
          expect(good.includes(c) || c === 0x09, `byte ${c} at ${at} of ${len}`).toBe(true);
          expect(q).toEqual(viaFields(b, DEFAULTS));
        }
      }
    }
    expect(took).toBeGreaterThan(5000);
  });

  it("framing failures found on the one-pass path are the state machine's", () => {
    const heads = [
      "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: a b\r\n\r\n",
      "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n",
      "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1x\r\n\r\n",
      "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 1\r\n\r\n",
      "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n",
      "GET / HTTP/1.1\r\n\r\n",
      "GET / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",
      "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999\r\n\r\n",
    ];
    for (const h of heads) {
      const b = bytes(h);
      const q = viaQuick(b, DEFAULTS);
      expect(q, h).not.toHaveProperty("declined");
      expect(q, h).toEqual(viaFields(b, DEFAULTS));
      expect(q !== null && "r" in q ? q.r : undefined, h).toBe(-1);
    }
  });
});
