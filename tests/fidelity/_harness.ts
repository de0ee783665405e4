/**
 * The fidelity suite's machinery (vitest side, on Node): starts the probe
 * (probe.ts) under a runtime in one mode — triloop's kernel or native engine,
 * or the runtime's own server as the oracle — sends raw request bytes split
 * into reads as a case says, and reads the answers back; an upstream on
 * 127.0.0.1 echoes what a handler forwards to it.
 *
 * @module
 */

import { type ChildProcess, spawn } from "node:child_process";
import * as http from "node:http";
import * as net from "node:net";
import { resolve } from "node:path";
import { ROOT } from "../../cli/runtimes.mjs";
import { runtime } from "../conformance/_spawn.ts";
import type { RuntimeId } from "../conformance/skips.ts";

/** Which server answers: triloop's two engines, or the runtime's own server. */
export type Mode = "kernel" | "native" | "oracle";

/** A probe server in a child process. */
export interface ProbeServer {
  port: number;
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

const READY = "TRILOOP-FIDELITY ";

/** Starts the probe under `id` in `mode`. */
export function startProbe(id: RuntimeId, mode: Mode, upstream: string): Promise<ProbeServer> {
  const [bin, ...argv] = runtime(id).argv(resolve(ROOT, "tests/fidelity/server.ts"), [
    "--mode",
    mode,
    "--upstream",
    upstream,
  ]);
  const child = spawn(bin, argv, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  return new Promise((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`probe did not start in 30 s:\n${output}`)), 30_000);
    child.stderr!.setEncoding("utf8").on("data", (t: string) => (output += t));
    let pending = "";
    child.stdout!.setEncoding("utf8").on("data", (t: string) => {
      pending += t;
      let nl: number;
      while ((nl = pending.indexOf("\n")) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        if (!line.startsWith(READY)) {
          output += line + "\n";
          continue;
        }
        clearTimeout(timer);
        const { port } = JSON.parse(line.slice(READY.length));
        done({
          port,
          child,
          output: () => output,
          async stop() {
            if (child.exitCode === null) child.kill("SIGKILL");
            await exited;
          },
        });
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      fail(new Error(`probe exited (${code}):\n${output}`));
    });
  });
}

/** What the upstream saw of one forwarded request. */
export interface Forwarded {
  method: string;
  url: string;
  headers: Array<[string, string]>;
  body: string;
}

/** A node:http server on 127.0.0.1 that answers every request with what it received, as JSON. */
export async function startUpstream(): Promise<{ url: string; port: number; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const headers: Array<[string, string]> = [];
      for (let i = 0; i < req.rawHeaders.length; i += 2) {
        headers.push([req.rawHeaders[i].toLowerCase(), req.rawHeaders[i + 1]]);
      }
      const seen: Forwarded = {
        method: req.method!,
        url: req.url!,
        // The order a runtime's fetch sends fields in is its own business.
        headers: headers.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        body: Buffer.concat(chunks).toString("base64"),
      };
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify(seen));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/upstream/path?x=1`,
    port,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

/** How a request's bytes are cut into writes. */
export type Split = "whole" | "head-then-body" | "bytewise";

/** The response as it came off the wire. */
export interface WireResponse {
  status: number;
  headers: Array<[string, string]>;
  body: Buffer;
  chunked: boolean;
  /** The server closed the connection after this response (or instead of one). */
  closed: boolean;
  /** Nothing parseable came back before the connection closed. */
  none: boolean;
}

/** Sends `raw` to 127.0.0.1:`port` split as `split` says, and reads `count` responses. */
export async function exchange(
  port: number,
  raw: Buffer,
  split: Split,
  count = 1,
  head = false,
): Promise<WireResponse[]> {
  const socket = net.connect(port, "127.0.0.1");
  socket.setNoDelay(true);
  await new Promise<void>((r, j) => {
    socket.once("connect", r);
    socket.once("error", j);
  });
  let buf = Buffer.alloc(0);
  let ended = false;
  let wake: (() => void) | undefined;
  socket.on("data", (d: Buffer) => {
    buf = Buffer.concat([buf, d]);
    wake?.();
  });
  const onEnd = () => {
    ended = true;
    wake?.();
  };
  socket.on("end", onEnd);
  socket.on("close", onEnd);
  socket.on("error", onEnd);
  if (split === "whole") socket.write(raw);
  else if (split === "head-then-body") {
    const at = raw.indexOf("\r\n\r\n") + 4;
    socket.write(raw.subarray(0, at));
    await new Promise((r) => setTimeout(r, 20));
    socket.write(raw.subarray(at));
  } else {
    for (let i = 0; i < raw.length; i++) {
      socket.write(raw.subarray(i, i + 1));
      if (!socket.destroyed) await new Promise((r) => setImmediate(r));
    }
  }
  const out: WireResponse[] = [];
  const deadline = Date.now() + 10_000;
  const more = async () => {
    if (ended || Date.now() > deadline) return false;
    await new Promise<void>((r) => {
      wake = r;
      setTimeout(r, 200);
    });
    wake = undefined;
    return true;
  };
  for (let n = 0; n < count; n++) {
    let parsed: { res: WireResponse; used: number } | undefined;
    while ((parsed = parseResponse(buf, head, ended)) === undefined) {
      if (!(await more())) {
        parsed = parseResponse(buf, head, true);
        break;
      }
    }
    if (parsed === undefined) {
      out.push({ status: 0, headers: [], body: Buffer.alloc(0), chunked: false, closed: true, none: true });
      break;
    }
    buf = buf.subarray(parsed.used);
    out.push(parsed.res);
  }
  // Closed by the server right after? A short look, then the connection goes.
  if (!ended) await new Promise((r) => setTimeout(r, 30));
  if (out.length > 0) out[out.length - 1].closed = ended;
  socket.destroy();
  return out;
}

/** One response at the start of `buf`, or undefined when it is not all there yet. */
function parseResponse(
  buf: Buffer,
  head: boolean,
  ended: boolean,
): { res: WireResponse; used: number } | undefined {
  const end = buf.indexOf("\r\n\r\n");
  if (end < 0) return undefined;
  const lines = buf.subarray(0, end).toString("latin1").split("\r\n");
  const status = Number(lines[0].split(" ")[1]);
  const headers = lines.slice(1).map((l) => {
    const c = l.indexOf(":");
    return [l.slice(0, c).toLowerCase(), l.slice(c + 1).trim()] as [string, string];
  });
  const get = (n: string) => headers.find(([k]) => k === n)?.[1];
  let at = end + 4;
  const res: WireResponse = {
    status,
    headers,
    body: Buffer.alloc(0),
    chunked: false,
    closed: false,
    none: false,
  };
  if (head || status === 204 || status === 304 || (status >= 100 && status < 200)) return { res, used: at };
  if (get("transfer-encoding")?.toLowerCase().includes("chunked")) {
    res.chunked = true;
    const parts: Buffer[] = [];
    for (;;) {
      const nl = buf.indexOf("\r\n", at);
      if (nl < 0) return undefined;
      const size = parseInt(buf.subarray(at, nl).toString("latin1"), 16);
      if (size === 0) {
        const fin = buf.indexOf("\r\n\r\n", nl - 2 < at ? at : nl - 2);
        if (fin < 0) return undefined;
        res.body = Buffer.concat(parts);
        return { res, used: fin + 4 };
      }
      if (buf.length < nl + 2 + size + 2) return undefined;
      parts.push(buf.subarray(nl + 2, nl + 2 + size));
      at = nl + 2 + size + 2;
    }
  }
  const length = get("content-length");
  if (length !== undefined) {
    const n = Number(length);
    if (buf.length < at + n) return undefined;
    res.body = buf.subarray(at, at + n);
    return { res, used: at + n };
  }
  // Until close: complete when the connection has ended.
  if (!ended) return undefined;
  res.body = buf.subarray(at);
  return { res, used: buf.length };
}

/** Every path at which `a` and `b` differ (`a.b.0`), for JSON values. */
export function diffPaths(a: unknown, b: unknown, path = ""): string[] {
  if (Object.is(a, b)) return [];
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return [path || "."];
  if (Array.isArray(a) !== Array.isArray(b)) return [path || "."];
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  const out: string[] = [];
  for (const k of keys) {
    out.push(
      ...diffPaths(
        (a as Record<string, unknown>)[k],
        (b as Record<string, unknown>)[k],
        path ? `${path}.${k}` : k,
      ),
    );
  }
  return out;
}
