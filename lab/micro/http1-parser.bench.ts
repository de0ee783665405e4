/**
 * Micro-benchmark of the HTTP/1.1 codec in core/http1: requests parsed per
 * second (ns/request, MB/s) for a small GET, a browser-like GET, a pipelined
 * batch of 16 and small bodies; and response heads written per second.
 *
 *   node --import tsx lab/micro/http1-parser.bench.ts [--rounds 7] [--ms 300]
 *
 * Each case runs in rounds of a fixed CPU duration after a warm-up; the
 * median round's CPU time per request is printed (CPU, not wall time: it
 * holds on a loaded machine). For scale, Node's own llhttp binding is measured on the
 * same inputs when `node:_http_common` exposes it (Node only).
 *
 * @module
 */

import { HeadWriter, type Http1Handler, Http1Parser, ParseCode } from "../../core/http1/mod.ts";

const args = process.argv.slice(2);
const opt = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const ROUNDS = opt("rounds", 7);
const ROUND_MS = opt("ms", 300);

const enc = new TextEncoder();

const SMALL_GET = "GET /hello HTTP/1.1\r\nHost: 127.0.0.1:3000\r\n\r\n"; // what wrk sends
const BROWSER_GET = "GET /api/items?page=2&sort=desc HTTP/1.1\r\n" +
  "Host: example.com\r\n" +
  "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36\r\n" +
  "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n" +
  "Accept-Language: en-US,en;q=0.9\r\n" +
  "Accept-Encoding: gzip, deflate, br\r\n" +
  "Connection: keep-alive\r\n" +
  "Cookie: session=0123456789abcdef; theme=dark\r\n" +
  "Sec-Fetch-Mode: navigate\r\n" +
  "Sec-Fetch-Site: same-origin\r\n" +
  "Upgrade-Insecure-Requests: 1\r\n\r\n";
const POST_CL =
  'POST /echo HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: 18\r\n\r\n{"hello":"world!"}';
const POST_CHUNKED =
  "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n7\r\n, world\r\n0\r\n\r\n";

interface Case {
  name: string;
  bytes: Uint8Array;
  requests: number;
}

const cases: Case[] = [
  { name: "small GET (wrk)", bytes: enc.encode(SMALL_GET), requests: 1 },
  { name: "browser GET, 10 fields", bytes: enc.encode(BROWSER_GET), requests: 1 },
  { name: "pipelined 16 × small GET", bytes: enc.encode(SMALL_GET.repeat(16)), requests: 16 },
  { name: "POST, Content-Length 18", bytes: enc.encode(POST_CL), requests: 1 },
  { name: "POST, chunked", bytes: enc.encode(POST_CHUNKED), requests: 1 },
];

/** What a server does at the least: count requests, look at the method, touch the target. */
interface Sink {
  requests: number;
  checksum: number;
}

const spansOnly: Http1Handler<Sink> = {
  onHeaders(p) {
    p.data.checksum += p.method + p.targetEnd - p.targetStart + p.headerCount;
  },
  onBody(p, _b, s, e) {
    p.data.checksum += e - s;
  },
  onMessageComplete(p) {
    p.data.requests++;
  },
};

const withStrings: Http1Handler<Sink> = {
  onHeaders(p) {
    const head = p.requestHead();
    p.data.checksum += head.target.length + head.methodName.length + (head.host?.length ?? 0);
  },
  onBody(p, _b, s, e) {
    p.data.checksum += e - s;
  },
  onMessageComplete(p) {
    p.data.requests++;
  },
};

/**
 * Process CPU time in ms where the runtime has it (Node, Bun, Deno's node
 * compat), else wall time: on a shared, loaded machine CPU time is the figure
 * that holds (DESIGN.md, "Benchmark").
 */
const cpuMs: () => number = typeof process !== "undefined" && typeof process.cpuUsage === "function"
  ? () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  }
  : () => performance.now();

function timeRounds(run: (iterations: number) => void): number {
  // Calibrate iterations per round, warm up, then take the median ns per iteration.
  let n = 1000;
  for (;;) {
    const t = cpuMs();
    run(n);
    const ms = cpuMs() - t;
    if (ms > ROUND_MS / 4) {
      n = Math.max(1, Math.round((n * ROUND_MS) / ms));
      break;
    }
    n *= 4;
  }
  run(n);
  const samples: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const t = cpuMs();
    run(n);
    samples.push(((cpuMs() - t) * 1e6) / n);
  }
  samples.sort((a, b) => a - b);
  return samples[samples.length >> 1];
}

function benchTriloop(c: Case, handler: Http1Handler<Sink>): number {
  const p = new Http1Parser<Sink>(handler);
  const sink: Sink = { requests: 0, checksum: 0 };
  p.data = sink;
  const b = c.bytes;
  const ns = timeRounds((n) => {
    for (let i = 0; i < n; i++) {
      if (p.execute(b, 0, b.length) !== ParseCode.OK) throw new Error(`parse failed: ${p.error?.message}`);
    }
  });
  if (sink.requests === 0) throw new Error("nothing parsed");
  return ns / c.requests;
}

/** Node's llhttp binding, for scale. Undefined where it cannot be loaded. */
async function benchLlhttp(c: Case): Promise<number | undefined> {
  let HTTPParser: any;
  try {
    // deno-lint-ignore no-process-global
    if (typeof process === "undefined" || (globalThis as any).Bun || (globalThis as any).Deno) {
      return undefined;
    }
    const mod = "node:_http_common";
    HTTPParser = (await import(mod)).HTTPParser;
  } catch {
    return undefined;
  }
  if (HTTPParser === undefined) return undefined;
  const { Buffer } = await import("node:buffer");
  const parser = new HTTPParser();
  let requests = 0;
  parser[HTTPParser.kOnHeadersComplete] = () => 0;
  parser[HTTPParser.kOnBody] = () => {};
  parser[HTTPParser.kOnMessageComplete] = () => {
    requests++;
  };
  parser.initialize(HTTPParser.REQUEST, {}, 0, 0);
  const b = Buffer.from(c.bytes);
  const ns = timeRounds((n) => {
    for (let i = 0; i < n; i++) parser.execute(b);
  });
  return requests > 0 ? ns / c.requests : undefined;
}

/** A response head and a 13-byte body; `take` copies it out (one allocation), `view` does not. */
function benchWriter(take: boolean): number {
  const w = new HeadWriter();
  let sum = 0;
  const ns = timeRounds((n) => {
    for (let i = 0; i < n; i++) {
      w.start(200).header("content-type", "text/plain;charset=UTF-8").date().endWith("Hello, World!");
      sum += take ? w.take().length : w.view().length;
    }
  });
  if (sum === 0) throw new Error("nothing written");
  return ns;
}

const runtime = (globalThis as any).Bun
  ? `Bun ${(globalThis as any).Bun.version}`
  : (globalThis as any).Deno
  ? `Deno ${(globalThis as any).Deno.version.deno}`
  : `Node ${process.version}`;
console.log(
  `# triloop http1 codec — ${runtime}, ${ROUNDS} rounds of ${ROUND_MS} ms CPU, median of CPU time\n`,
);
console.log(
  "| input | bytes/req | spans only ns/req | MB/s | + requestHead() strings ns/req | Node llhttp ns/req |",
);
console.log("|---|---:|---:|---:|---:|---:|");
for (const c of cases) {
  const spans = benchTriloop(c, spansOnly);
  const strings = benchTriloop(c, withStrings);
  const ll = await benchLlhttp(c);
  const per = c.bytes.length / c.requests;
  const mbs = (per / spans) * 1e3; // bytes per ns × 1e3 = MB/s
  console.log(
    `| ${c.name} | ${per.toFixed(0)} | ${spans.toFixed(0)} | ${mbs.toFixed(0)} | ${strings.toFixed(0)} | ${
      ll === undefined ? "–" : ll.toFixed(0)
    } |`,
  );
}
const viewNs = benchWriter(false);
const takeNs = benchWriter(true);
console.log(
  `\nresponse head + 13-byte body (status, content-type, date, content-length): ` +
    `${viewNs.toFixed(0)} ns into the reused buffer (view), ${takeNs.toFixed(0)} ns copied out (take)`,
);
