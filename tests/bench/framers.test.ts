import { describe, expect, it } from "vitest";
import { ResponseFramer } from "../../bench/load/response-framer.ts";
import { RespFramer } from "../../bench/load/resp-framer.ts";

const enc = new TextEncoder();

type Framer = ResponseFramer | RespFramer;

/** Feeds `bytes` in the chunks given by `cuts`; returns the reported responses. */
function frame(make: () => Framer, bytes: Uint8Array, cuts: number[], end = false): string[] {
  const got: string[] = [];
  const sink = {
    response: (status: number, close: boolean) => got.push(`${status}${close ? " close" : ""}`),
  };
  const f = make();
  let at = 0;
  for (const cut of [...cuts, bytes.length]) {
    if (!f.feed(bytes.subarray(at, cut), sink)) got.push("FAILED");
    at = cut;
  }
  if (end) f.finish(sink);
  return got;
}

/** BF1/BR1: the outcome at every single split point and at every byte. */
function everySplit(make: () => Framer, text: string, end = false): string[] {
  const bytes = enc.encode(text);
  const whole = frame(make, bytes, [], end);
  for (let i = 1; i < bytes.length; i++) expect(frame(make, bytes, [i], end), `split at ${i}`).toEqual(whole);
  const bytewise = Array.from({ length: bytes.length - 1 }, (_, i) => i + 1);
  expect(frame(make, bytes, bytewise, end)).toEqual(whole);
  return whole;
}

describe("ResponseFramer", () => {
  it("BF1/BF2: content-length, chunked with extensions and trailers, 204, 304, 100-continue", () => {
    const stream = "HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\r\nHello, World!" +
      "HTTP/1.1 100 Continue\r\n\r\n" +
      "HTTP/1.1 201 Created\r\ntransfer-encoding: gzip, chunked\r\n\r\n5;ext=1\r\nhello\r\n10\r\n0123456789abcdef\r\n0\r\nX-Trailer: 1\r\n\r\n" +
      "HTTP/1.1 204 No Content\r\nContent-Length: 99\r\n\r\n" +
      "HTTP/1.1 304 Not Modified\r\n\r\n" +
      "HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n" +
      "HTTP/1.1 200 OK\r\nCONNECTION: keep-alive, Close\r\nContent-Length: 2\r\n\r\nok";
    expect(everySplit(() => new ResponseFramer(), stream)).toEqual([
      "200",
      "201",
      "204",
      "304",
      "404",
      "200 close",
    ]);
  });

  it("BF2: a body without length ends with the stream", () => {
    const text = "HTTP/1.0 200 OK\r\nServer: x\r\n\r\nuntil the end";
    expect(everySplit(() => new ResponseFramer(), text, true)).toEqual(["200"]);
    const f = new ResponseFramer();
    f.feed(enc.encode(text), { response() {} });
    expect(f.midResponse).toBe(true);
    expect(f.bodyBytes).toBe(13);
  });

  it("counts body bytes, not framing", () => {
    const f = new ResponseFramer();
    f.feed(enc.encode("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"), {
      response() {},
    });
    expect(f.bodyBytes).toBe(3);
    expect(f.midResponse).toBe(false);
  });

  it("BF3: garbage fails the framer and nothing more is reported", () => {
    expect(frame(() => new ResponseFramer(), enc.encode("SSH-2.0-OpenSSH\r\n\r\n"), [])).toEqual(["FAILED"]);
    const badChunk = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n";
    expect(frame(() => new ResponseFramer(), enc.encode(badChunk), [])).toEqual(["FAILED"]);
    const badLength = "HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n";
    expect(frame(() => new ResponseFramer(), enc.encode(badLength), [])).toEqual(["FAILED"]);
  });
});

describe("RespFramer", () => {
  it("BR1/BR2: every reply type, nested arrays, null bulk and array, errors as 500", () => {
    const stream = "+PONG\r\n" + "+OK\r\n" + "$3\r\nxxx\r\n" + ":42\r\n" + "$-1\r\n" +
      "-ERR unknown command\r\n" + "*2\r\n$1\r\na\r\n*2\r\n:1\r\n$0\r\n\r\n" + "*0\r\n" + "*-1\r\n" +
      "$4\r\n\r\n\r\n\r\n"; // a bulk whose payload is CRLFs
    expect(everySplit(() => new RespFramer(), stream)).toEqual([
      "200",
      "200",
      "200",
      "200",
      "200",
      "500",
      "200",
      "200",
      "200",
      "200",
    ]);
  });

  it("an error inside an array does not mark the array as an error reply", () => {
    expect(everySplit(() => new RespFramer(), "*2\r\n-ERR x\r\n:1\r\n+OK\r\n")).toEqual(["200", "200"]);
  });

  it("BR3: an unknown type byte fails", () => {
    expect(frame(() => new RespFramer(), enc.encode("+OK\r\n?x\r\n"), [])).toEqual(["200", "FAILED"]);
  });
});
