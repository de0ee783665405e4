/**
 * Driving `triloop` as a user does, for the CLI tests: entry files in a
 * temporary folder outside the repository, the launcher run to its end
 * (bounded) or kept serving, and checks on what a user error prints.
 *
 * @module
 */

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "../../cli/runtimes.mjs";
import { runtime } from "../conformance/_spawn.ts";
import { LoopsServer } from "./_loops-server.ts";

/** The launcher, as `npx triloop` runs it. */
export const TRILOOP = join(ROOT, "cli", "triloop.mjs");

/** A folder in the system's temp dir, holding `files`; `remove()` deletes it. */
export interface Project {
  dir: string;
  path(name: string): string;
  remove(): void;
}

/** Makes a {@link Project} outside the repository. */
export function project(files: Record<string, string>): Project {
  const dir = mkdtempSync(join(tmpdir(), "triloop-cli-"));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return {
    dir,
    path: (name) => join(dir, name),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** How a `triloop` run ended. */
export interface Ran {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `triloop <args>` (on the machine's Node) until it exits; after
 * `timeoutMs` (default 60 s) it is killed, and the result says so.
 */
export function triloop(
  args: string[],
  options: { cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<Ran> {
  return new Promise((done) => {
    const child = spawn(runtime("node").bin, [TRILOOP, ...args], {
      cwd: options.cwd ?? tmpdir(),
      env: { ...process.env, ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (t: string) => (stdout += t));
    child.stderr.setEncoding("utf8").on("data", (t: string) => (stderr += t));
    const timer = setTimeout(() => {
      // Still running: it started serving where it should have refused. End it and what it started.
      child.kill("SIGTERM");
      setTimeout(() => child.kill("SIGKILL"), 3_000).unref();
    }, options.timeoutMs ?? 60_000);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      done({ code, signal, stdout, stderr });
    });
  });
}

/** `triloop serve <args>` kept running, read line by line (`LoopsServer`). */
export function serve(
  args: string[],
  options: { cwd?: string; env?: Record<string, string>; detached?: boolean } = {},
): LoopsServer {
  return new LoopsServer([runtime("node").bin, TRILOOP, "serve", ...args], {
    ...options,
    cwd: options.cwd ?? tmpdir(),
  });
}

/**
 * A user error as promised: exit 2, `triloop: …` as the first line on
 * stderr, at most `lines` lines in all (the message and a usage hint), no
 * stack trace, nothing on stdout. Returns the first line.
 */
export function assertUserError(r: Ran, lines = 2): string {
  const err = r.stderr.trimEnd().split("\n");
  const shown = `exit ${r.code ?? r.signal}\n--- stderr ---\n${r.stderr}--- stdout ---\n${r.stdout}`;
  assert.equal(r.code, 2, shown);
  assert.match(err[0], /^triloop: \S/, shown);
  assert.ok(err.length <= lines, `at most ${lines} lines:\n${shown}`);
  assert.doesNotMatch(r.stderr, /^\s+at |node:internal|\n\s+\^/m, `no stack trace:\n${shown}`);
  assert.equal(r.stdout, "", shown);
  return err[0];
}

/** A port free on 127.0.0.1 right now (bound, then released). */
export function freePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((done, fail) => {
    const server = net.createServer();
    server.once("error", fail);
    server.listen({ host, port: 0, exclusive: true }, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => done(port));
    });
  });
}

/** The body of `GET /` on `host:port` (Node's fetch). */
export async function getBody(port: number, host = "127.0.0.1"): Promise<string> {
  const res = await fetch(`http://${host.includes(":") ? `[${host}]` : host}:${port}/`);
  return res.text();
}
