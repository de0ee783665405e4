/**
 * A fleet as users run it (examples/deploy/fleet.sh): two `triloop serve`
 * nodes, each in a network namespace of its own (or on 127.0.0.2/.3 where
 * namespaces are not available), behind the machine's HAProxy. Node a runs
 * `--loops 2`, so a drain with loops is part of every restart of it.
 *
 * @module
 */

import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import * as net from "node:net";
import process from "node:process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "../../cli/runtimes.mjs";
import type { RuntimeId } from "../conformance/skips.ts";

export const FLEET_SH = join(ROOT, "examples", "deploy", "fleet.sh");

/** Why the fleet cannot run here, or undefined. */
export function fleetUnavailable(): string | undefined {
  if (spawnSync("haproxy", ["-v"]).error !== undefined) {
    return "haproxy is not installed (apt-get install haproxy; .ci/run installs it)";
  }
  if (spawnSync("bash", ["--version"]).error !== undefined) return "bash is not installed";
  return undefined;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One process of the fleet, its output kept. */
class Proc {
  readonly child: ChildProcess;
  out = "";
  readonly exited: Promise<number | null>;

  constructor(args: string[], env: Record<string, string>) {
    this.child = spawn("bash", [FLEET_SH, ...args], {
      env: { ...process.env, ...env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    this.child.stdout!.setEncoding("utf8").on("data", (t: string) => (this.out += t));
    this.child.stderr!.setEncoding("utf8").on("data", (t: string) => (this.out += t));
    this.exited = new Promise((r) => this.child.once("exit", (code) => r(code)));
  }

  async waitFor(text: string, ms = 60_000): Promise<void> {
    const end = Date.now() + ms;
    while (!this.out.includes(text)) {
      if (Date.now() > end || this.child.exitCode !== null) {
        throw new Error(`no '${text}' in ${ms} ms:\n${this.out}`);
      }
      await sleep(50);
    }
  }

  /** The pids of this process and every descendant (the server under the launcher, its loops). */
  tree(): number[] {
    const all: number[] = [];
    const walk = (pid: number) => {
      all.push(pid);
      try {
        for (const c of readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/)) {
          if (c !== "") walk(Number(c));
        }
      } catch {
        // gone already
      }
    };
    if (this.child.pid !== undefined) walk(this.child.pid);
    return all;
  }
}

/** The fleet of one runtime. */
export class Fleet {
  readonly env: Record<string, string>;
  readonly dir: string;
  readonly port: number;
  nodes: Record<"a" | "b", Proc | undefined> = { a: undefined, b: undefined };
  haproxy: Proc | undefined;
  mode = "";
  /** More `triloop serve` flags for every node (they win over fleet.sh's). */
  nodeArgs: string[] = [];

  constructor(readonly runtime: RuntimeId, id: number, port: number, nodePort: number) {
    this.dir = mkdtempSync(join(tmpdir(), "triloop-fleet-"));
    this.port = port;
    this.env = {
      FLEET_ID: String(id),
      FLEET_DIR: this.dir,
      FLEET_PORT: String(port),
      FLEET_NODE_PORT: String(nodePort),
      FLEET_RUNTIME: runtime,
    };
  }

  async start(): Promise<void> {
    const up = spawnSync("bash", [FLEET_SH, "net-up"], {
      env: { ...process.env, ...this.env },
      encoding: "utf8",
    });
    if (up.status !== 0) throw new Error(`fleet.sh net-up failed:\n${up.stderr}`);
    this.mode = readFileSync(join(this.dir, "mode"), "utf8").trim();
    console.log(`fleet on ${this.runtime}: ${up.stderr.trim()}`);
    await Promise.all([this.startNode("a", false), this.startNode("b", false)]);
    this.haproxy = new Proc(["haproxy"], this.env);
    await this.waitUp("a");
    await this.waitUp("b");
  }

  /** Starts node `name` (a with two loops) and, unless told not to, waits until HAProxy sends to it. */
  async startNode(name: "a" | "b", wait = true): Promise<void> {
    const p = new Proc(["node", name, ...(name === "a" ? ["--loops", "2"] : []), ...this.nodeArgs], this.env);
    this.nodes[name] = p;
    await p.waitFor("listening on");
    if (wait) await this.waitUp(name);
  }

  /** SIGTERM to node `name`; resolves with its exit code once it drained and exited. */
  async stopNode(name: "a" | "b"): Promise<number | null> {
    const p = this.nodes[name]!;
    p.child.kill("SIGTERM");
    const code = await Promise.race([p.exited, sleep(30_000).then(() => "timeout" as const)]);
    if (code === "timeout") throw new Error(`node ${name} did not stop in 30 s:\n${p.out}`);
    return code;
  }

  /** SIGKILL to node `name`: the launcher and the server under it, at once. */
  killNode(name: "a" | "b"): void {
    for (const pid of this.nodes[name]!.tree().reverse()) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // gone already
      }
    }
  }

  /** HAProxy's view of each server: `UP`, `DOWN`, … (its stats socket). */
  async status(): Promise<Record<string, string>> {
    const csv = await new Promise<string>((done, fail) => {
      const s = net.connect(join(this.dir, "haproxy.sock"));
      let text = "";
      s.setEncoding("utf8").on("data", (t: string) => (text += t));
      s.on("end", () => done(text));
      s.on("error", fail);
      s.write("show stat\n");
    });
    const out: Record<string, string> = {};
    for (const line of csv.split("\n")) {
      const f = line.split(",");
      if (f[0] === "triloop" && (f[1] === "a" || f[1] === "b")) out[f[1]] = f[17];
    }
    return out;
  }

  /** Waits until HAProxy reports `name` as `state` (UP after its rise checks). */
  async waitUp(name: "a" | "b", state = "UP", ms = 30_000): Promise<void> {
    const end = Date.now() + ms;
    let last: Record<string, string> = {};
    while (Date.now() < end) {
      try {
        last = await this.status();
        if (last[name] === state) return;
      } catch {
        // HAProxy still starting
      }
      await sleep(100);
    }
    throw new Error(`HAProxy never saw ${name} ${state} (last: ${JSON.stringify(last)}):\n${this.output()}`);
  }

  output(): string {
    return `--- haproxy ---\n${this.haproxy?.out ?? ""}\n--- a ---\n${this.nodes.a?.out ?? ""}\n--- b ---\n${
      this.nodes.b?.out ?? ""
    }`;
  }

  /** Ends everything it started, by pid, and removes the namespaces. */
  async stop(): Promise<void> {
    const procs = [this.nodes.a, this.nodes.b, this.haproxy].filter((p) =>
      p !== undefined && p.child.exitCode === null
    );
    for (const p of procs) p!.child.kill("SIGTERM");
    await Promise.race([Promise.all(procs.map((p) => p!.exited)), sleep(15_000)]);
    for (const p of procs) if (p!.child.exitCode === null) { for (const pid of p!.tree()) safeKill(pid); }
    spawnSync("bash", [FLEET_SH, "net-down"], { env: { ...process.env, ...this.env } });
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function safeKill(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // gone already
  }
}
