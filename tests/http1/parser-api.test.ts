/** The parser's API beyond the event log: pausing, offsets, failure state, snapshots, codes, options. */

import { describe, expect, it } from "vitest";
import { codeName, FIRST_ERROR, HttpParseError, ParseCode, statusOf } from "../../core/http1/codes.ts";
import { HeadFlag } from "../../core/http1/head.ts";
import { Method } from "../../core/http1/methods.ts";
import { type Http1Handler, Http1Parser } from "../../core/http1/parser.ts";
import { isTriloopError, TriloopError } from "../../core/errors.ts";

const bytes = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
const GET = "GET /a?b=1 HTTP/1.1\r\nHost: example.com:8080\r\nUser-Agent: t\r\nX-Dup: 1\r\nx-dup: 2\r\n\r\n";

interface Log {
  events: string[];
  pauseOn?: string;
}

const handler: Http1Handler<Log> = {
  onMessageBegin(p) {
    p.data.events.push("begin");
  },
  onHeaders(p) {
    p.data.events.push(`headers ${p.target()}`);
    if (p.data.pauseOn === "headers") p.pause();
  },
  onBody(p, b, s, e) {
    p.data.events.push(`body ${String.fromCharCode(...b.subarray(s, e))}`);
    if (p.data.pauseOn === "body") p.pause();
  },
  onMessageComplete(p) {
    p.data.events.push("complete");
    if (p.data.pauseOn === "complete") p.pause();
  },
};

function parser(options = {}, pauseOn?: string) {
  const p = new Http1Parser<Log>(handler, options);
  p.data = { events: [], pauseOn };
  return p;
}

describe("Http1Parser API", () => {
  it("pauses after each message with the offset of the next (HP6)", () => {
    const p = parser({}, "complete");
    const b = bytes(GET + GET);
    expect(p.execute(b, 0, b.length)).toBe(ParseCode.PAUSED);
    expect(p.offset).toBe(GET.length);
    expect(p.messages).toBe(1);
    expect(p.idle).toBe(true);
    expect(p.execute(b, p.offset, b.length)).toBe(ParseCode.PAUSED);
    expect(p.offset).toBe(b.length);
    expect(p.execute(b, p.offset, b.length)).toBe(ParseCode.OK);
    expect(p.data.events).toEqual([
      "begin",
      "headers /a?b=1",
      "complete",
      "begin",
      "headers /a?b=1",
      "complete",
    ]);
  });

  it("pausing in onHeaders stops before the body; a bodiless message still completes first", () => {
    const post = "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc";
    const p = parser({}, "headers");
    const b = bytes(post + GET);
    expect(p.execute(b, 0, b.length)).toBe(ParseCode.PAUSED);
    expect(p.offset).toBe(post.length - 3);
    expect(p.data.events).toEqual(["begin", "headers /"]);
    expect(p.execute(b, p.offset, b.length)).toBe(ParseCode.PAUSED);
    expect(p.offset).toBe(b.length);
    expect(p.data.events).toEqual([
      "begin",
      "headers /",
      "body abc",
      "complete",
      "begin",
      "headers /a?b=1",
      "complete",
    ]);
  });

  it("pausing in onBody resumes at the next body byte", () => {
    const p = parser({}, "body");
    const b = bytes(
      "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n2\r\nyz\r\n0\r\n\r\n",
    );
    let at = 0;
    let pauses = 0;
    for (;;) {
      const code = p.execute(b, at, b.length);
      if (code !== ParseCode.PAUSED) break;
      pauses++;
      at = p.offset;
    }
    expect(pauses).toBe(2);
    expect(p.data.events.slice(2)).toEqual(["body x", "body yz", "complete"]);
  });

  it("reports the head, and keeps a snapshot valid after the parser moves on", () => {
    const heads: ReturnType<Http1Parser["requestHead"]>[] = [];
    const p = new Http1Parser<null>({
      onHeaders(p) {
        expect(p.method).toBe(Method.GET);
        expect(p.methodName).toBe("GET");
        expect(p.header("X-DUP")).toBe("1, 2");
        expect(p.header("missing")).toBe(null);
        expect(p.headerCount).toBe(4);
        expect(p.keepAlive && !p.chunked && !p.expectContinue && !p.upgrade).toBe(true);
        heads.push(p.requestHead());
      },
      onMessageComplete() {},
    });
    const b = bytes(GET);
    p.execute(b, 0, 5);
    p.execute(b, 5, b.length); // the head was split: its bytes went to a head buffer
    expect(p.head.length).toBe(0); // released after the message (idle connections pin nothing)
    const again = bytes(GET.replace("/a?b=1", "/zzzzz"));
    p.execute(again, 0, again.length);
    const h = heads[0];
    expect(h.target).toBe("/a?b=1");
    expect(h.host).toBe("example.com:8080");
    expect(h.methodName).toBe("GET");
    expect(h.get("user-agent")).toBe("t");
    expect(h.headerName(0)).toBe("host");
    expect(h.headerName(0)).toBe(h.headerName(0)); // interned
    expect(h.headerValue(1)).toBe("t");
    expect([...h.headers()]).toEqual([["host", "example.com:8080"], ["user-agent", "t"], ["x-dup", "1, 2"]]);
    expect(h.keepAlive).toBe(true);
    expect(h.hasBody).toBe(false);
    expect(h.flags & HeadFlag.HAS_HOST).toBeTruthy();
  });

  it("names unknown methods from the request line", () => {
    let name = "";
    const p = new Http1Parser<null>({
      onHeaders(p) {
        name = `${p.method}:${p.methodName}:${p.requestHead().methodName}`;
      },
      onMessageComplete() {},
    });
    const b = bytes("PROPFIND / HTTP/1.1\r\nHost: a\r\n\r\n");
    p.execute(b, 0, b.length);
    expect(name).toBe("0:PROPFIND:PROPFIND");
  });

  it("fails once, with code, status, position and a TriloopError (HP5)", () => {
    const p = parser();
    const b = bytes("GET / HTTP/1.1\r\nHost: a\r\nBad Name: x\r\n\r\n");
    expect(p.execute(b, 0, b.length)).toBe(ParseCode.SPACE_BEFORE_COLON);
    const err = p.error!;
    expect(err).toBeInstanceOf(HttpParseError);
    expect(isTriloopError(err, "TRI_ERR_HTTP_PARSE")).toBe(true);
    expect(err.status).toBe(400);
    expect(err.pos).toBe(28);
    expect(err.codeName).toBe("SPACE_BEFORE_COLON");
    expect(err.message).toMatch(/colon.*SPACE_BEFORE_COLON at byte 28/);
    expect(p.offset).toBe(28);
    expect(p.execute(bytes(GET), 0, GET.length)).toBe(ParseCode.SPACE_BEFORE_COLON);
    expect(p.finish()).toBe(ParseCode.SPACE_BEFORE_COLON);
    expect(p.error).toBe(err);
  });

  it("stops at a message that ends the connection and reads nothing after it", () => {
    const p = parser();
    const first = "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n";
    const b = bytes(first + "garbage");
    expect(p.execute(b, 0, b.length)).toBe(ParseCode.CLOSED);
    expect(p.offset).toBe(first.length);
    expect(p.execute(b, 3, b.length)).toBe(ParseCode.CLOSED);
    expect(p.offset).toBe(3);
    expect(p.finish()).toBe(ParseCode.CLOSED);
  });

  it("tells idle from inside a head, and EOF inside a request", () => {
    const p = parser();
    expect(p.idle && !p.inHead).toBe(true);
    expect(p.finish()).toBe(ParseCode.OK);
    const b = bytes("GET / HT");
    p.execute(b, 0, b.length);
    expect(p.inHead).toBe(true);
    expect(p.bytesConsumed).toBe(8);
    expect(p.finish()).toBe(ParseCode.UNEXPECTED_EOF);
    expect(p.error!.pos).toBe(8);
    p.reset();
    expect(p.error).toBe(null);
    expect(p.execute(bytes(GET), 0, GET.length)).toBe(ParseCode.OK);
  });

  it("rejects bad options with TRI_ERR_INVALID_ARG", () => {
    for (const o of [{ maxHeaderBytes: 0 }, { maxUriBytes: -1 }, { maxHeaders: NaN }, { maxBodyBytes: 0 }]) {
      let err: unknown;
      try {
        new Http1Parser(handler, o);
      } catch (e) {
        err = e;
      }
      expect(isTriloopError(err, "TRI_ERR_INVALID_ARG")).toBe(true);
    }
    expect(() => new Http1Parser(handler, { maxBodyBytes: Infinity })).not.toThrow();
  });
});

describe("parse codes", () => {
  it("map every failure to one of the statuses the server answers, and a TriloopError code", () => {
    const statuses = new Set<number>();
    for (const [name, code] of Object.entries(ParseCode)) {
      expect(codeName(code)).toBe(name);
      if (code < FIRST_ERROR) {
        expect(statusOf(code)).toBe(0);
        continue;
      }
      const err = new HttpParseError(code, "r", 0);
      expect(err).toBeInstanceOf(TriloopError);
      expect([400, 413, 414, 431, 501, 505]).toContain(err.status);
      expect(err.code).toMatch(/^TRI_ERR_HTTP_/);
      statuses.add(err.status);
    }
    expect([...statuses].sort()).toEqual([400, 413, 414, 431, 501, 505]);
  });
});
