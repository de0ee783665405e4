/**
 * Why an entry module did not load, in one line that names the file, line
 * and column where the runtime tells them. Each runtime reports a failed
 * `import()` its own way, and these are the shapes read here:
 *
 * - Node with tsx: a TypeScript syntax error is esbuild's `TransformError`,
 *   its message `Transform failed…\n<file>:<line>:<col>: ERROR: <text>`
 *   with a 0-based column. A JavaScript module's own `SyntaxError` carries
 *   no position a program can read (Node keeps it in a hidden field). A
 *   missing import is `ERR_MODULE_NOT_FOUND`, or `MODULE_NOT_FOUND` with a
 *   require stack when tsx loads the file as CommonJS.
 * - Bun: a syntax error is a `BuildMessage` with `position` ({ file, line,
 *   column }, 1-based); a missing import a `ResolveMessage`.
 * - Deno: both are a `TypeError` whose message holds the text, a source
 *   excerpt and `at <url>:<line>:<col>`, with ANSI colours.
 * - Everywhere: an error thrown by the module's own code is the app's, and
 *   its stack's first frame says where.
 *
 * @module
 */

import { TriloopError } from "../errors.ts";

/** A load failure, described. */
export interface LoadFailure {
  /**
   * `"syntax"`: the module (or one it imports) does not parse;
   * `"resolve"`: a module it imports is not there; `"threw"`: its code threw.
   */
  kind: "syntax" | "resolve" | "threw";
  /** One line: `<file>:<line>:<col>: <message>`, as much of the place as is known. */
  text: string;
}

// deno-lint-ignore no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;
// A stack frame's place: "at f (/a/b.ts:1:2)", "at file:///a/b.ts:1:2" (not "node:internal/…").
const FRAME = /(?:\(|at )((?:file:\/\/)?\/[^\s()]+?):(\d+):(\d+)\)?\s*$/;

/**
 * Imports the entry module at `url`. A file that cannot be an entry (a
 * syntax error, an import that is not there) rejects with `TRI_ERR_ENTRY`
 * and a one-line message naming the place; an error the module's own code
 * threw rejects as it was thrown.
 */
export async function importEntry(url: string): Promise<Record<string, unknown>> {
  try {
    return await import(url);
  } catch (err) {
    const failure = describeLoadFailure(err);
    if (failure.kind === "threw") throw err;
    throw new TriloopError("TRI_ERR_ENTRY", failure.text, { cause: err });
  }
}

/** What went wrong loading a module, from the error its `import()` rejected with. */
export function describeLoadFailure(err: unknown): LoadFailure {
  const failure = describe(err);
  // Deno names modules by URL; a path reads better and matches the other runtimes.
  failure.text = failure.text.replace(/file:\/\/(\/[^\s"']*)/g, (url) => toPath(url));
  return failure;
}

function describe(err: unknown): LoadFailure {
  if (typeof err !== "object" || err === null) return { kind: "threw", text: `threw ${String(err)}` };
  const e = err as Record<string, unknown>;
  const name = typeof e.name === "string" ? e.name : "Error";
  const message = String(e.message ?? "").replace(ANSI, "");
  const stack = typeof e.stack === "string" ? e.stack.replace(ANSI, "") : "";
  const code = typeof e.code === "string" ? e.code : undefined;

  // esbuild (tsx on Node): "<file>:<line>:<col0>: ERROR: <text>".
  const esbuild = /^(.+?):(\d+):(\d+): ERROR: (.*)$/m.exec(message);
  if (esbuild !== null && /^Transform failed/.test(message)) {
    return { kind: "syntax", text: `${esbuild[1]}:${esbuild[2]}:${Number(esbuild[3]) + 1}: ${esbuild[4]}` };
  }
  // Bun
  if (name === "BuildMessage" || name === "ResolveMessage") {
    const p = e.position as { file?: string; line?: number; column?: number } | null | undefined;
    const where = p?.file === undefined ? "" : `${p.file}:${p.line}:${p.column}: `;
    return { kind: name === "BuildMessage" ? "syntax" : "resolve", text: `${where}${firstLine(message)}` };
  }
  // Deno: "SyntaxError: <text>\n<excerpt>\n    at <url>:<line>:<col>"
  const denoAt = /\n\s+at (file:\/\/\S+?:\d+:\d+)\s*$/.exec(message);
  if (denoAt !== null) {
    const kind = /^SyntaxError: /.test(message) ? "syntax" : "resolve";
    return { kind, text: `${toPath(denoAt[1])}: ${firstLine(message)}` };
  }
  if (
    code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND" || code === "ERR_UNKNOWN_FILE_EXTENSION"
  ) {
    const from = Array.isArray(e.requireStack) ? `${e.requireStack[0]}: ` : "";
    return { kind: "resolve", text: `${from}${firstLine(message)}` };
  }
  const frame = userFrame(stack);
  // A parse error has no frame in user code; a SyntaxError thrown by code (JSON.parse) has one.
  if (name === "SyntaxError" && frame === undefined) {
    return { kind: "syntax", text: `${name}: ${firstLine(message)}` };
  }
  const where = frame ?? bunSource(e);
  return { kind: "threw", text: `${where === undefined ? "" : `${where}: `}${name}: ${firstLine(message)}` };
}

function firstLine(text: string): string {
  return text.split("\n")[0].trim();
}

/** The first stack frame in a file (not `node:internal`, not native), as `<path>:<line>:<col>`. */
function userFrame(stack: string): string | undefined {
  for (const line of stack.split("\n")) {
    if (!/^\s+at /.test(line)) continue;
    const m = FRAME.exec(line);
    if (m !== null) return `${toPath(m[1])}:${m[2]}:${m[3]}`;
  }
  return undefined;
}

/** Bun puts the place of a throw on the error itself. */
function bunSource(e: Record<string, unknown>): string | undefined {
  return typeof e.sourceURL === "string" ? `${e.sourceURL}:${e.line}:${e.column}` : undefined;
}

/** `file:///a/b.ts:3:4` → `/a/b.ts:3:4`; anything else as it is. */
function toPath(where: string): string {
  if (!where.startsWith("file://")) return where;
  try {
    return decodeURIComponent(new URL(where).pathname);
  } catch {
    return where;
  }
}
