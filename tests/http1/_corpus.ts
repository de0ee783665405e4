/**
 * The parser corpus: Markdown files of request cases, and a driver that
 * replays a case under any chunking and writes the event log it produced.
 *
 * A case is a `## title` section with three fenced blocks:
 *
 * - `http`: the input bytes. Line breaks in the block are not part of the
 *   input; write them as escapes: `\r`, `\n`, `\t`, `\0`, `\xHH`, `\\`.
 *   `{{repeat N text}}` stands for `text` N times.
 * - `log`: the expected event log, one event per line (see {@link Recorder}).
 * - `options` (optional): JSON for the parser's options.
 *
 * @module
 */

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { codeName, FIRST_ERROR, ParseCode } from "../../core/http1/codes.ts";
import type { RequestHead } from "../../core/http1/head.ts";
import { latin1 } from "../../core/http1/tokens.ts";
import { type Http1Handler, Http1Parser, type Http1ParserOptions } from "../../core/http1/parser.ts";

/** One case of the corpus. */
export interface Case {
  file: string;
  title: string;
  input: Uint8Array;
  expected: string[];
  options: Http1ParserOptions;
}

/** Reads every `*.md` file under `dir`. */
export function loadCorpus(dir: string): Case[] {
  const cases: Case[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".md")).sort()) {
    cases.push(...parseCorpusFile(file, readFileSync(join(dir, file), "utf8")));
  }
  return cases;
}

/** Splits one Markdown file into cases. */
export function parseCorpusFile(file: string, text: string): Case[] {
  const cases: Case[] = [];
  const sections = text.split(/^## /m).slice(1);
  for (const section of sections) {
    const title = section.slice(0, section.indexOf("\n")).trim();
    const blocks = new Map<string, string>();
    for (const m of section.matchAll(/^```(\w+)\n([\s\S]*?)^```$/gm)) blocks.set(m[1], m[2]);
    const http = blocks.get("http");
    const log = blocks.get("log");
    if (http === undefined || log === undefined) {
      throw new Error(`${file}: case "${title}" needs http and log blocks`);
    }
    cases.push({
      file,
      title,
      input: unescape(http),
      expected: expandRepeats(log).split("\n").map((l) => l.trim()).filter((l) => l !== ""),
      options: blocks.has("options") ? JSON.parse(blocks.get("options")!) : {},
    });
  }
  return cases;
}

/** The input convention: newlines dropped, escapes and repeats expanded, one byte per char. */
export function unescape(src: string): Uint8Array {
  const expanded = expandRepeats(src.replace(/\n/g, ""));
  const out: number[] = [];
  for (let i = 0; i < expanded.length; i++) {
    const c = expanded[i];
    if (c !== "\\") {
      const code = expanded.charCodeAt(i);
      if (code > 0xff) throw new Error(`non-byte char in corpus input: ${c}`);
      out.push(code);
      continue;
    }
    const e = expanded[++i];
    if (e === "r") out.push(13);
    else if (e === "n") out.push(10);
    else if (e === "t") out.push(9);
    else if (e === "0") out.push(0);
    else if (e === "\\") out.push(92);
    else if (e === "x") {
      out.push(parseInt(expanded.slice(i + 1, i + 3), 16));
      i += 2;
    } else throw new Error(`unknown escape \\${e}`);
  }
  return Uint8Array.from(out);
}

function expandRepeats(src: string): string {
  return src.replace(/\{\{repeat (\d+) ([^}]*)\}\}/g, (_, n: string, t: string) => t.repeat(Number(n)));
}

/** Bytes as the log writes them: printable ASCII as is, others escaped. */
export function show(b: Uint8Array, s: number, e: number): string {
  const str = latin1(b, s, e);
  return NEEDS_ESCAPE.test(str) ? str.replace(ESCAPED, escapeChar) : str;
}

const NEEDS_ESCAPE = /[^\x20-\x5b\x5d-\x7e]/;
const ESCAPED = /[^\x20-\x5b\x5d-\x7e]/g;

function escapeChar(ch: string): string {
  const c = ch.charCodeAt(0);
  if (c === 13) return "\\r";
  if (c === 10) return "\\n";
  if (c === 9) return "\\t";
  if (c === 92) return "\\\\";
  return `\\x${c.toString(16).padStart(2, "0")}`;
}

/** The head's lines in the log, from a snapshot (also used to check snapshots stay valid). */
export function headLines(h: RequestHead): string[] {
  const lines = [
    `request ${h.methodName} ${show(h.buf, h.targetStart, h.targetEnd)} HTTP/1.${h.versionMinor}`,
  ];
  for (let i = 0; i < h.count; i++) {
    const s = h.spans;
    const value = show(h.buf, s[i * 4 + 2], s[i * 4 + 3]);
    lines.push(`header ${show(h.buf, s[i * 4], s[i * 4 + 1])}:${value === "" ? "" : ` ${value}`}`);
  }
  const framing = h.flags & 2 ? "chunked" : h.contentLength > 0 ? `length=${h.contentLength}` : "none";
  const extra = [h.keepAlive ? "keep-alive" : "close"];
  if (h.flags & 4) extra.push("expect-continue");
  if (h.flags & 8) extra.push("upgrade");
  lines.push(`headers ${framing} ${extra.join(" ")}`);
  return lines;
}

/**
 * Records events as log lines:
 * `begin`, `request M T HTTP/1.x`, `header N: V` (raw name, trimmed value),
 * `headers none|length=N|chunked keep-alive|close [expect-continue] [upgrade]`,
 * `body …` (consecutive spans merged: chunking must not show), `complete`,
 * and at the end `closed @N` or `error NAME STATUS @POS`.
 */
class Recorder {
  log: string[] = [];
  heads: [RequestHead, string[]][] = [];
  pauseEverywhere = false;
  bodyBytes = 0;
  current: Uint8Array | null = null;
  problems: string[] = [];

  body(b: Uint8Array, s: number, e: number): void {
    if (b !== this.current) this.problems.push("a body span is not in the buffer given to execute");
    if (s < 0 || e > b.length || s >= e) this.problems.push(`bad body span ${s}..${e}`);
    const text = show(b, s, e);
    const last = this.log.length - 1;
    if (last >= 0 && this.log[last].startsWith("body ")) this.log[last] += text;
    else this.log.push(`body ${text}`);
  }
}

const handler: Http1Handler<Recorder> = {
  onMessageBegin(p) {
    p.data.log.push("begin");
  },
  onHeaders(p) {
    const head = p.requestHead();
    const lines = headLines(head);
    p.data.log.push(...lines);
    p.data.heads.push([head, lines]);
    if (p.data.pauseEverywhere) p.pause();
  },
  onBody(p, b, s, e) {
    p.data.body(b, s, e);
    if (p.data.pauseEverywhere) p.pause();
  },
  onMessageComplete(p) {
    p.data.log.push("complete");
    if (p.data.pauseEverywhere) p.pause();
  },
};

/** How to cut the input: chunk boundaries (sorted, inside 0..length). */
export type Cuts = number[];

/**
 * Feeds `input` cut at `cuts` (each chunk a fresh copy, so nothing can lean
 * on a shared buffer; the first inside padding, so offsets are tested) and
 * returns the log. `pause` makes every callback pause; the driver resumes.
 */
export function replay(input: Uint8Array, cuts: Cuts, options: Http1ParserOptions, pause = false): string[] {
  const rec = new Recorder();
  rec.pauseEverywhere = pause;
  const parser = new Http1Parser<Recorder>(handler, options);
  parser.data = rec;
  const maxHead = options.maxHeaderBytes ?? 16384;
  const bounds = [0, ...cuts, input.length];
  let code: number = ParseCode.OK;
  let steps = 0;
  feed: for (let k = 0; k + 1 < bounds.length; k++) {
    const a = bounds[k];
    const b = bounds[k + 1];
    if (a === b) continue;
    const pad = k === 0 ? 3 : 0;
    const chunk = new Uint8Array(b - a + pad * 2);
    chunk.set(input.subarray(a, b), pad);
    rec.current = chunk;
    let at = pad;
    const end = pad + b - a;
    for (;;) {
      if (++steps > 10 * input.length + 100) throw new Error("the parser does not make progress");
      code = parser.execute(chunk, at, end);
      if (parser.retainedBytes > maxHead) rec.problems.push(`retained ${parser.retainedBytes} bytes`);
      if (code !== ParseCode.PAUSED) break;
      if (parser.offset < at || parser.offset > end) {
        rec.problems.push(`offset ${parser.offset} out of ${at}..${end}`);
      }
      at = parser.offset;
    }
    if (code !== ParseCode.OK) break feed;
  }
  if (code === ParseCode.OK) code = parser.finish();
  if (code === ParseCode.CLOSED) rec.log.push(`closed @${parser.bytesConsumed}`);
  else if (code >= FIRST_ERROR) {
    const err = parser.error!;
    if (err.parseCode !== code) rec.problems.push("error.parseCode differs from the returned code");
    rec.log.push(`error ${codeName(code)} ${err.status} @${err.pos}`);
  }
  // HP2: snapshots taken at onHeaders still read the same after the parser moved on.
  for (const [head, lines] of rec.heads) {
    const now = headLines(head);
    if (now.length !== lines.length || now.some((l, i) => l !== lines[i])) {
      rec.problems.push("a RequestHead changed after its request");
    }
  }
  return rec.problems.length > 0 ? [...rec.log, ...rec.problems.map((p) => `PROBLEM ${p}`)] : rec.log;
}

/** True when `expected` (whose `error` lines may omit `@pos`) matches `actual`. */
export function matches(expected: string[], actual: string[]): boolean {
  if (expected.length !== actual.length) return false;
  return expected.every((e, i) =>
    e === actual[i] || (/^(error|closed) /.test(e) && !e.includes("@") && actual[i].startsWith(`${e} @`))
  );
}
