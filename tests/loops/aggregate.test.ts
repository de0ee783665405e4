// Summing loops' counters and shutdown reports (LP7, LP9).
import { describe, expect, it } from "vitest";
import { addCounters, mergeReports, retire } from "../../core/loops/aggregate.ts";
import { resolveLoops } from "../../core/loops/serve-loops.ts";
import { isTriloopError } from "../../core/errors.ts";

const http = (open: number, requests: number) => ({
  connections: { open, accepted: open + 1, closed: 1 },
  requests,
  responses: { "1xx": 0, "2xx": requests, "3xx": 0, "4xx": 0, "5xx": 0 },
  bytesRead: 10,
  bytesWritten: 20,
  errors: requests > 1 ? { TRI_ERR_HTTP_PARSE: 1 } : {},
});

describe("aggregate", () => {
  it("LP9 sums counters field by field, error codes merged", () => {
    const sum = addCounters(addCounters({}, http(2, 3)), http(1, 1));
    expect(sum).toEqual({
      connections: { open: 3, accepted: 5, closed: 2 },
      requests: 4,
      responses: { "1xx": 0, "2xx": 4, "3xx": 0, "4xx": 0, "5xx": 0 },
      bytesRead: 20,
      bytesWritten: 40,
      errors: { TRI_ERR_HTTP_PARSE: 1 },
    });
  });

  it("LP9 sums TCP listener counters too", () => {
    const tcp = { accepted: 2, open: 1, closed: 1, bytesRead: 5, bytesWritten: 5, errors: { X: 1 } };
    expect(addCounters(addCounters({}, tcp), tcp)).toEqual({
      accepted: 4,
      open: 2,
      closed: 2,
      bytesRead: 10,
      bytesWritten: 10,
      errors: { X: 2 },
    });
  });

  it("LP9 a dead loop keeps its counts but no open connections", () => {
    const r = retire(http(5, 7)) as ReturnType<typeof http>;
    expect(r.connections).toEqual({ open: 0, accepted: 6, closed: 1 });
    expect(r.requests).toBe(7);
  });

  it("LP7 merges reports: drained only if every loop drained", () => {
    const d = { outcome: "drained" as const, completed: 3, forced: 0, ms: 100 };
    const f = { outcome: "forced" as const, completed: 1, forced: 2, ms: 500 };
    expect(mergeReports([d, d], 120.4)).toEqual({ outcome: "drained", completed: 6, forced: 0, ms: 120 });
    expect(mergeReports([d, f], 510)).toEqual({ outcome: "forced", completed: 4, forced: 2, ms: 510 });
    expect(mergeReports([d], 10, 4)).toEqual({ outcome: "forced", completed: 3, forced: 4, ms: 10 });
  });

  it("LP7 WS9 merges the WebSockets of the loops that had any", () => {
    const d = { outcome: "drained" as const, completed: 0, forced: 0, ms: 100 };
    const w = (closed: number, forced: number) => ({ ...d, websockets: { closed, forced } });
    expect(mergeReports([w(3, 0), d, w(2, 1)], 100).websockets).toEqual({ closed: 5, forced: 1 });
    expect(mergeReports([d, d], 100)).not.toHaveProperty("websockets");
  });

  it("LP9 WS sums the loops' WebSocket counters; a dead loop's open sockets are gone", () => {
    const ws = (open: number) => ({
      ...http(1, 1),
      websockets: { open, opened: open + 1, closed: 1, messagesIn: 4 },
    });
    const sum = addCounters(addCounters({}, ws(2)), retire(ws(3))) as any;
    expect(sum.websockets).toEqual({ open: 2, opened: 7, closed: 2, messagesIn: 8 });
  });

  it("resolves loops: auto is the core count; counts must be integers ≥ 1", () => {
    expect(resolveLoops("auto", 8).count).toBe(8);
    expect(resolveLoops(3, 8).count).toBe(3);
    expect(resolveLoops({ count: "auto", host: "process" }, 2)).toEqual({ count: 2, host: "process" });
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      let err: unknown;
      try {
        resolveLoops(bad, 2);
      } catch (e) {
        err = e;
      }
      expect(isTriloopError(err, "TRI_ERR_INVALID_ARG")).toBe(true);
    }
  });
});
