/** The response head writer (HW1–HW4), the date cache and the chunked encoder: exact bytes. */

import { describe, expect, it } from "vitest";
import {
  chunkOverhead,
  chunkPrefix,
  CRLF,
  encodeChunk,
  LAST_CHUNK,
  writeChunkPrefix,
} from "../../core/http1/chunked.ts";
import { DateCache } from "../../core/http1/date-cache.ts";
import { HeadWriter, isFieldValue, isToken, utf8Length } from "../../core/http1/head-writer.ts";
import { isTriloopError } from "../../core/errors.ts";

const text = (b: Uint8Array) => String.fromCharCode(...b);
const T0 = Date.UTC(1994, 10, 6, 8, 49, 37, 250); // Sun, 06 Nov 1994 08:49:37.250 GMT

/** A writer on a fake clock whose second-boundary timer the test fires by hand. */
function writer(now = T0) {
  const clock = { now, reads: 0, timers: [] as [() => void, number][] };
  const w = new HeadWriter({
    clock: () => {
      clock.reads++;
      return clock.now;
    },
    schedule: (fn, ms) => clock.timers.push([fn, ms]),
    initialSize: 16,
  });
  /** Moves the clock and runs the timers that are due. */
  const advance = (ms: number) => {
    const due = clock.timers.filter(([, at]) => at <= ms);
    clock.timers = clock.timers.filter(([, at]) => at > ms).map(([fn, at]) => [fn, at - ms]);
    clock.now += ms;
    for (const [fn] of due) fn();
  };
  return { w, clock, advance };
}

describe("HeadWriter", () => {
  it("writes a small response exactly", () => {
    const { w } = writer();
    const out = w.start(200).header("content-type", "text/plain").date().endWith("Hello, World!").take();
    expect(text(out)).toBe(
      "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ndate: Sun, 06 Nov 1994 08:49:37 GMT\r\n" +
        "content-length: 13\r\n\r\nHello, World!",
    );
  });

  it("uses precomputed lines for common codes and builds the others", () => {
    const { w } = writer();
    const line = (s: number, t?: string) => text(w.start(s, t).view());
    expect(line(204)).toBe("HTTP/1.1 204 No Content\r\n");
    expect(line(404)).toBe("HTTP/1.1 404 Not Found\r\n");
    expect(line(500)).toBe("HTTP/1.1 500 Internal Server Error\r\n");
    expect(line(431)).toBe("HTTP/1.1 431 Request Header Fields Too Large\r\n");
    expect(line(299)).toBe("HTTP/1.1 299 \r\n");
    expect(line(200, "Fine")).toBe("HTTP/1.1 200 Fine\r\n");
    expect(line(599, "caf\xe9")).toBe("HTTP/1.1 599 caf\xe9\r\n");
  });

  it("writes framing fields, chunked and connection forms", () => {
    const { w } = writer();
    expect(text(w.start(200).chunked().close().end().take())).toBe(
      "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n",
    );
    expect(text(w.start(200).contentLength(0).keepAlive().end().take())).toBe(
      "HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: keep-alive\r\n\r\n",
    );
  });

  it("copies Headers in order, each set-cookie on its own, framing fields left to the server", () => {
    const { w } = writer();
    const h = new Headers();
    h.append("Set-Cookie", "a=1");
    h.append("set-cookie", "b=2");
    h.append("Content-Length", "5");
    h.append("Transfer-Encoding", "gzip");
    h.append("Connection", "close");
    h.append("Keep-Alive", "timeout=5");
    h.append("X-B", "2");
    h.append("X-A", "1");
    const out = text(w.start(200).headers(h).end().take());
    expect(out).toBe("HTTP/1.1 200 OK\r\nset-cookie: a=1\r\nset-cookie: b=2\r\nx-a: 1\r\nx-b: 2\r\n\r\n");
    expect(w.declaredLength).toBe(5);
    expect(w.hasDate).toBe(false);
  });

  it("takes pairs from any iterable, and notes a handler's own date", () => {
    const { w } = writer();
    const out = text(w.start(200).headers([["Date", "yesterday"], ["X-K", "v"]]).end().take());
    expect(out).toBe("HTTP/1.1 200 OK\r\nDate: yesterday\r\nX-K: v\r\n\r\n");
    expect(w.hasDate).toBe(true);
    w.start(200);
    expect(w.hasDate).toBe(false);
    expect(w.declaredLength).toBe(-1);
  });

  it("keeps obs-text bytes as bytes (HW2) and encodes string bodies as UTF-8", () => {
    const { w } = writer();
    const out = w.start(200).header("x-latin", "caf\xe9").endWith("é€😀").take();
    const head = "HTTP/1.1 200 OK\r\nx-latin: caf\xe9\r\ncontent-length: 9\r\n\r\n";
    expect(text(out.subarray(0, head.length))).toBe(head);
    expect(new TextDecoder().decode(out.subarray(head.length))).toBe("é€😀");
  });

  it("appends byte bodies and grows its buffer", () => {
    const { w } = writer();
    const body = new Uint8Array(10_000).fill(120);
    const out = w.start(200).endWith(body).take();
    expect(out.length).toBe("HTTP/1.1 200 OK\r\ncontent-length: 10000\r\n\r\n".length + 10_000);
    expect(out[out.length - 1]).toBe(120);
  });

  it("take() is a copy the caller owns; view() is valid until the next start (HW4)", () => {
    const { w } = writer();
    const taken = w.start(404).end().take();
    const view = w.view();
    w.start(200).end();
    expect(text(taken)).toBe("HTTP/1.1 404 Not Found\r\n\r\n");
    expect(text(view)).not.toBe("HTTP/1.1 404 Not Found\r\n\r\n");
  });

  describe("rejects injection (HW1)", () => {
    const bad: [string, string][] = [
      ["x-a", "1\r\nset-cookie: evil=1"],
      ["x-a", "1\nx-b: 2"],
      ["x-a", "1\rx"],
      ["x-a", "a\0b"],
      ["x-a", "a\x7fb"],
      ["x-a", "a\x1bb"],
      ["x-a", "snow\u2603"],
      ["x-a\r\nx-b", "1"],
      ["x a", "1"],
      ["x:a", "1"],
      ["", "1"],
      ["caf\xe9", "1"],
    ];
    for (const [name, value] of bad) {
      it(`${JSON.stringify(name)}: ${JSON.stringify(value)}`, () => {
        const { w } = writer();
        w.start(200).header("x-ok", "1");
        const before = text(w.view());
        let err: unknown;
        try {
          w.header(name, value);
        } catch (e) {
          err = e;
        }
        expect(isTriloopError(err, "TRI_ERR_INVALID_ARG")).toBe(true);
        expect(text(w.view())).toBe(before);
      });
    }

    it("in a reason phrase, a status or a length", () => {
      const { w } = writer();
      expect(() => w.start(200, "OK\r\nx-evil: 1")).toThrow(/reason/);
      expect(() => w.start(99)).toThrow(/Status/);
      expect(() => w.start(200.5)).toThrow(/Status/);
      expect(() => w.start(200).contentLength(-1)).toThrow(/length/);
      expect(() => w.start(200).contentLength(1.5)).toThrow(/length/);
    });

    it("in fields copied from an iterable", () => {
      const { w } = writer();
      expect(() => w.start(200).headers([["x-a", "1\r\n"]])).toThrow(/header/);
    });
  });

  it("validators agree with RFC 9110", () => {
    expect(isToken("!#$%&'*+-.^_`|~09azAZ")).toBe(true);
    expect(isToken("a b")).toBe(false);
    expect(isFieldValue("a\tb c\x80\xff")).toBe(true);
    expect(isFieldValue("a\x00")).toBe(false);
    expect(utf8Length("aé€😀\ud800")).toBe(1 + 2 + 3 + 4 + 3);
    expect(utf8Length("aé€😀\ud800")).toBe(new TextEncoder().encode("aé€😀\ud800").length);
  });
});

describe("DateCache", () => {
  it("formats IMF-fixdate, reads the clock once a second, refreshes at the boundary", () => {
    const { w, clock, advance } = writer();
    const line = () => text(w.start(200).date().view()).slice("HTTP/1.1 200 OK\r\n".length);
    expect(line()).toBe("date: Sun, 06 Nov 1994 08:49:37 GMT\r\n");
    expect(clock.timers.map(([, ms]) => ms)).toEqual([750]); // to the next second
    for (let i = 0; i < 10; i++) line();
    advance(700); // 37.950
    expect(line()).toBe("date: Sun, 06 Nov 1994 08:49:37 GMT\r\n");
    expect(clock.reads).toBe(1);
    advance(100); // 38.050: the timer ran
    expect(line()).toBe("date: Sun, 06 Nov 1994 08:49:38 GMT\r\n");
    expect(clock.reads).toBe(2);
    advance(86_400_000);
    expect(line()).toBe("date: Mon, 07 Nov 1994 08:49:38 GMT\r\n");
    expect(clock.timers.length).toBe(1); // one timer at a time, none while idle
    advance(5_000);
    expect(clock.timers.length).toBe(0);
  });

  it("builds no Date between refreshes", () => {
    let t = T0;
    const fired: (() => void)[] = [];
    const cache = new DateCache(() => t, (fn) => fired.push(fn));
    const RealDate = globalThis.Date;
    let made = 0;
    globalThis.Date = class extends RealDate {
      constructor(...args: ConstructorParameters<typeof Date>) {
        super(...args);
        made++;
      }
    } as DateConstructor;
    try {
      for (let i = 0; i < 100; i++, t += 5) cache.line();
    } finally {
      globalThis.Date = RealDate;
    }
    expect(made).toBe(1);
  });

  it("uses the real clock and an unref'd timer by default", () => {
    const line = new DateCache().line();
    expect(line).toMatch(/^date: \w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT\r\n$/);
  });
});

describe("chunked encoder", () => {
  it("frames chunks and ends the body", () => {
    expect(text(encodeChunk(new TextEncoder().encode("hello")))).toBe("5\r\nhello\r\n");
    expect(text(encodeChunk(new Uint8Array(26)).subarray(0, 4))).toBe("1a\r\n");
    expect(encodeChunk(new Uint8Array(0)).length).toBe(0);
    expect(text(LAST_CHUNK)).toBe("0\r\n\r\n");
    expect(text(CRLF)).toBe("\r\n");
  });

  it("writes size lines in lower-case hex", () => {
    expect(text(chunkPrefix(1))).toBe("1\r\n");
    expect(text(chunkPrefix(15))).toBe("f\r\n");
    expect(text(chunkPrefix(16))).toBe("10\r\n");
    expect(text(chunkPrefix(65_536))).toBe("10000\r\n");
    expect(text(chunkPrefix(Number.MAX_SAFE_INTEGER))).toBe("1fffffffffffff\r\n");
    expect(chunkOverhead(65_536)).toBe(9);
    const into = new Uint8Array(8);
    expect(writeChunkPrefix(255, into, 3)).toBe(7);
    expect(text(into.subarray(3, 7))).toBe("ff\r\n");
  });

  it("refuses a size that would end the body", () => {
    expect(() => chunkPrefix(0)).toThrow(/Chunk size/);
    expect(() => chunkPrefix(-1)).toThrow(/Chunk size/);
  });
});
