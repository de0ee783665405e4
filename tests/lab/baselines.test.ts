// The raw baselines must be correct, or the ratios against them mean nothing:
// the RESP core of the raw servers and the minimal HTTP responder of the
// ceiling peers, fed at every split.
import { describe, expect, it } from "vitest";
import { RespSession } from "../../lab/raw/_resp.ts";
import { Responder, STREAM_CHUNK_BYTES, STREAM_CHUNKS } from "../../lab/peers/_responder.ts";
import { ResponseFramer } from "../../bench/load/response-framer.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

function cmd(...args: string[]): string {
  return `*${args.length}\r\n` + args.map((a) => `$${enc.encode(a).length}\r\n${a}\r\n`).join("");
}

describe("raw RESP core", () => {
  it("answers pipelined multibulk commands the same at every split", () => {
    const input = enc.encode(
      cmd("PING") + cmd("SET", "k", "v\r\nv") + cmd("GET", "k") + cmd("INCR", "n") + cmd("INCR", "n") +
        cmd("GET", "missing") + cmd("ECHO", "hi") + cmd("CONFIG", "GET", "save") + cmd("DEL", "k", "n") +
        cmd("NOPE"),
    );
    const want =
      "+PONG\r\n+OK\r\n$4\r\nv\r\nv\r\n:1\r\n:2\r\n$-1\r\n$2\r\nhi\r\n*2\r\n$4\r\nsave\r\n$0\r\n\r\n:2\r\n-ERR unknown command\r\n";
    for (let cut = 0; cut <= input.length; cut++) {
      const s = new RespSession();
      const a = s.feed(input.slice(0, cut));
      const b = s.feed(input.slice(cut));
      expect(dec.decode(a ?? new Uint8Array()) + dec.decode(b ?? new Uint8Array()), `cut ${cut}`).toBe(want);
      // Reset shared state for the next split.
      new RespSession().feed(enc.encode(cmd("DEL", "k", "n")));
    }
  });

  it("INCR refuses a value that is not an integer, and counts negatives", () => {
    const s = new RespSession();
    const out = s.feed(
      enc.encode(cmd("SET", "x", "abc") + cmd("INCR", "x") + cmd("SET", "y", "-5") + cmd("INCR", "y")),
    );
    expect(dec.decode(out)).toBe("+OK\r\n-ERR value is not an integer or out of range\r\n+OK\r\n:-4\r\n");
  });

  it("closes on input that is not multibulk", () => {
    const s = new RespSession();
    expect(dec.decode(s.feed(enc.encode(cmd("PING") + "PING\r\n")))).toBe(
      "+PONG\r\n-ERR Protocol error: expected '*'\r\n",
    );
    expect(s.broken).toBe(true);
  });
});

/** Drives a responder with `input` cut at `cut`; returns what it wrote and whether it ended. */
function respond(input: Uint8Array, cut: number): { out: Uint8Array[]; ended: boolean } {
  const out: Uint8Array[] = [];
  let ended = false;
  const r = new Responder({ write: (b) => (out.push(b), true), end: () => (ended = true) });
  r.data(input.slice(0, cut));
  r.data(input.slice(cut));
  return { out, ended };
}

describe("minimal HTTP responder (ceiling peers)", () => {
  it("answers pipelined requests in order, echoes bodies, streams, at every split", () => {
    const body = "x".repeat(300);
    const input = enc.encode(
      "GET / HTTP/1.1\r\nHost: a\r\n\r\n" +
        `POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: ${body.length}\r\n\r\n${body}` +
        "GET /json HTTP/1.1\r\nHost: a\r\n\r\n" +
        "GET /stream HTTP/1.1\r\nHost: a\r\n\r\n" +
        "GET /nope HTTP/1.1\r\nHost: a\r\n\r\n" +
        "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
    );
    for (let cut = 0; cut <= input.length; cut += 7) {
      const { out, ended } = respond(input, cut);
      const statuses: number[] = [];
      const f = new ResponseFramer();
      for (const b of out) f.feed(b, { response: (s) => statuses.push(s) });
      expect(statuses, `cut ${cut}`).toEqual([200, 200, 200, 200, 404, 200]);
      expect(f.bodyBytes).toBe(13 + body.length + 27 + STREAM_CHUNKS * STREAM_CHUNK_BYTES + 0 + 13);
      expect(ended).toBe(true);
    }
  });

  it("rejects chunked uploads with 501 and closes", () => {
    const { out, ended } = respond(
      enc.encode("POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"),
      0,
    );
    expect(dec.decode(out[0])).toMatch(/^HTTP\/1\.1 501 /);
    expect(ended).toBe(true);
  });

  it("stops streaming when a write asks it to wait, and resumes on drain", () => {
    const writes: number[] = [];
    let room = 3;
    const r = new Responder({ write: (b) => (writes.push(b.length), --room > 0), end() {} });
    r.data(enc.encode("GET /stream HTTP/1.1\r\nHost: a\r\n\r\n"));
    expect(r.blocked).toBe(true);
    const before = writes.length;
    expect(before).toBeLessThan(STREAM_CHUNKS);
    room = 1e9;
    r.drain();
    expect(r.blocked).toBe(false);
    expect(writes.length).toBeGreaterThan(before);
  });
});

describe("the no-framework app", () => {
  it("answers lab/app.ts's routes with the same status and body", async () => {
    const { default: hono } = await import("../../lab/app.ts");
    const { default: plain } = await import("../../lab/plain.ts");
    const body = (r: Response) => r.arrayBuffer().then((b) => new Uint8Array(b));
    const cases: [string, RequestInit?][] = [
      ["http://h/"],
      ["http://h:8080/?x=1"],
      ["http://h/json"],
      ["http://h/stream"],
      ["http://h/echo", { method: "POST", body: "ping\r\npong" }],
      ["http://h/nope"],
      ["http://h/json", { method: "HEAD" }],
    ];
    for (const [url, init] of cases) {
      const a = await hono.fetch(new Request(url, init));
      const b = await plain.fetch(new Request(url, init));
      expect(b.status, url).toBe(a.status);
      expect(b.headers.get("content-type")?.replace(/ /g, ""), url).toBe(
        a.headers.get("content-type")?.replace(/ /g, ""),
      );
      // /stream is 16 MiB: compared as bytes, not by toEqual's element walk.
      const [x, y] = [await body(a), await body(b)];
      expect(y.byteLength, url).toBe(x.byteLength);
      expect(Buffer.compare(x, y), url).toBe(0);
    }
  });
});
