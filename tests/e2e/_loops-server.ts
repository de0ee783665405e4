/**
 * Starting and driving a multi-loop server for the loops suite: spawn it
 * (through `triloop serve`, or a program directly), read its lines as they
 * come, signal it, and end its whole process tree afterwards. Runs in
 * vitest on Node; the server runs under the runtime being tested.
 *
 * @module
 */

import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import * as net from "node:net";
import { join, resolve } from "node:path";
import { ROOT } from "../../cli/runtimes.mjs";
import { exchange } from "../conformance/_http-client.ts";
import { type FoundRuntime, runtime } from "../conformance/_spawn.ts";

/** Where the loops fixtures live. */
export const FIXTURES = join(ROOT, "tests", "fixtures", "loops");

/** A line the server printed, and when it arrived (ms, `performance.now()`). */
export interface Line {
  text: string;
  at: number;
  stream: "stdout" | "stderr";
}

/** A running server. */
export class LoopsServer {
  readonly child: ChildProcess;
  readonly lines: Line[] = [];
  /** Resolves with the exit code (or signal) and when it came. */
  readonly exited: Promise<{ code: number | null; signal: string | null; at: number }>;
  port = 0;
  statsPort = 0;
  #waiters = new Set<() => void>();
  readonly #argv: string[];

  /** `options.detached`: in a process group of its own, as a shell runs a command (see `signalGroup`). */
  constructor(
    argv: string[],
    options: { cwd?: string; env?: Record<string, string>; detached?: boolean } = {},
  ) {
    this.#argv = argv;
    this.child = spawn(argv[0], argv.slice(1), {
      cwd: options.cwd ?? ROOT,
      env: { ...process.env, ...options.env },
      detached: options.detached ?? false,
      stdio: ["ignore", "pipe", "pipe"],
    });
    for (const stream of ["stdout", "stderr"] as const) {
      let pending = "";
      this.child[stream]!.setEncoding("utf8").on("data", (text: string) => {
        pending += text;
        let nl: number;
        while ((nl = pending.indexOf("\n")) >= 0) {
          this.lines.push({ text: pending.slice(0, nl), at: performance.now(), stream });
          pending = pending.slice(nl + 1);
        }
        for (const w of this.#waiters) w();
      });
    }
    this.exited = new Promise((r) =>
      this.child.once("exit", (code, signal) => {
        for (const w of this.#waiters) w();
        r({ code, signal, at: performance.now() });
      })
    );
  }

  /** Everything printed so far. */
  output(): string {
    return this.lines.map((l) => `${l.stream === "stderr" ? "! " : ""}${l.text}`).join("\n");
  }

  /** The first line matching `re`, waiting up to `ms` for it. */
  async waitFor(re: RegExp, ms = 30_000): Promise<Line> {
    const end = performance.now() + ms;
    for (;;) {
      const hit = this.lines.find((l) => re.test(l.text));
      if (hit !== undefined) return hit;
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        throw new Error(`server exited before printing ${re}:\n${this.output()}`);
      }
      const left = end - performance.now();
      if (left <= 0) throw new Error(`timed out waiting for ${re}:\n${this.output()}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        const w = () => {
          clearTimeout(t);
          this.#waiters.delete(w);
          r();
        };
        this.#waiters.add(w);
      });
    }
  }

  /** Waits for the "listening on" (and "stats on") lines and reads the ports. */
  async ready(ms = 60_000): Promise<this> {
    const l = await this.waitFor(/^listening on \w+:\/\/([^:\s]+|\[[^\]\s]+\]):\d+/, ms);
    this.port = Number(/:(\d+)\/?(\s|$)/.exec(l.text)![1]);
    if (this.#argv.includes("--stats-port")) {
      const s = await this.waitFor(/^stats on http:/, ms);
      this.statsPort = Number(/:(\d+)\//.exec(s.text)![1]);
    }
    return this;
  }

  signal(sig: NodeJS.Signals): void {
    this.child.kill(sig);
  }

  /** `sig` to the whole process group, as a terminal's Ctrl-C does (needs `detached`). */
  signalGroup(sig: NodeJS.Signals): void {
    process.kill(-this.child.pid!, sig);
  }

  /** The counters of every loop, from `--stats-port`. */
  async stats(): Promise<any> {
    const { res, conn } = await exchange(this.statsPort, get("/"));
    conn.destroy();
    return JSON.parse(res.body.toString());
  }

  /** Ends the server and everything it started (SIGKILL, by pid), if still running. */
  async kill(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      for (const pid of [...descendants(this.child.pid!), this.child.pid!]) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // gone already
        }
      }
    }
    await this.exited;
  }
}

/** What the suite runs against: a runtime, and flags every `triloop serve` gets (e.g. `--loop-host process`). */
export interface LoopsTarget {
  rt: FoundRuntime;
  flags: string[];
}

/** `triloop serve <fixture> --runtime <rt> --port 0 ...args`, through the launcher. */
export function serveFixture(t: LoopsTarget, fixture: string, args: string[]): LoopsServer {
  const node = runtime("node").bin;
  return new LoopsServer([
    node,
    join(ROOT, "cli", "triloop.mjs"),
    "serve",
    join(FIXTURES, fixture),
    "--runtime",
    t.rt.id,
    "--port",
    "0",
    ...t.flags,
    ...args,
  ]);
}

/** A fixture program run directly under `rt`. */
export function runProgram(rt: FoundRuntime, fixture: string, args: string[] = []): LoopsServer {
  return new LoopsServer(rt.argv(resolve(FIXTURES, fixture), args));
}

/** A GET on a new connection that the server should close after answering. */
export function get(path: string): string {
  return `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`;
}

/** The body of `GET path` on a new connection. */
export async function getText(port: number, path: string): Promise<string> {
  const { res, conn } = await exchange(port, get(path));
  conn.destroy();
  if (res.status !== 200) throw new Error(`GET ${path}: ${res.status}`);
  return res.body.toString();
}

/** Resolves with how a TCP connect to `port` ends: "connected" or the error code. */
export function tryConnect(port: number): Promise<string> {
  return new Promise((done) => {
    const s = net.connect({ port, host: "127.0.0.1" });
    s.once("connect", () => {
      s.destroy();
      done("connected");
    });
    s.once("error", (err: NodeJS.ErrnoException) => done(err.code ?? err.message));
  });
}

/** Every process below `pid`, from /proc (children of every thread). */
export function descendants(pid: number): number[] {
  const out: number[] = [];
  let tasks: string[] = [];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tasks) {
    let text = "";
    try {
      text = readFileSync(`/proc/${pid}/task/${tid}/children`, "utf8");
    } catch {
      continue;
    }
    for (const child of text.split(" ").filter(Boolean).map(Number)) {
      out.push(...descendants(child), child);
    }
  }
  return out;
}
