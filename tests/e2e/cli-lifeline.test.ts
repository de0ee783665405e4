/**
 * A child must not outlive the command that started it. `triloop serve`
 * runs the server in a process group of its own (so a terminal's Ctrl-C
 * reaches it once, through the launcher); when the launcher is killed with
 * SIGKILL nothing is forwarded, and before the fix the server ran on,
 * holding the port. On every runtime: kill -9 the launcher by PID, and the
 * server (with its loop processes) is gone and the port free within a
 * bounded time. And Ctrl-C still reaches the server once.
 *
 * @module
 */

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as net from "node:net";
import { afterAll, describe, it } from "vitest";
import { runtimes } from "../conformance/_spawn.ts";
import { type Project, project, serve } from "./_cli.ts";
import { descendants, tryConnect } from "./_loops-server.ts";

const app: Project = project({ "app.ts": "export default { fetch: () => new Response('alive') };\n" });
afterAll(() => app.remove());

/** Whether `pid` still runs (a zombie nobody reaped yet counts as gone). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

/** Whether this process can bind `port` on 127.0.0.1 now. */
function bindable(port: number): Promise<boolean> {
  return new Promise((done) => {
    const s = net.createServer();
    s.once("error", () => done(false));
    s.listen({ host: "127.0.0.1", port, exclusive: true }, () => s.close(() => done(true)));
  });
}

async function within(ms: number, what: string, cond: () => boolean | Promise<boolean>): Promise<void> {
  const end = performance.now() + ms;
  while (!(await cond())) {
    if (performance.now() > end) throw new Error(`${what}: not after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function killAll(pids: number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // gone
    }
  }
}

for (const rt of runtimes()) {
  describe.skipIf(!rt.available)(`triloop serve on ${rt.id}: the server ends with the launcher`, () => {
    const cases: Array<[string, string[]]> = [["one loop", []], ["--loops 2", ["--loops", "2"]]];
    for (const [label, extra] of cases) {
      it(`kill -9 of the launcher ends the server (${label}) and frees the port`, async () => {
        const s = serve(["app.ts", "--runtime", rt.id, "--port", "0", ...extra], { cwd: app.dir });
        let started: number[] = [];
        try {
          await s.ready(60_000);
          started = descendants(s.child.pid!);
          assert.ok(started.length >= 1, "the launcher started the server");
          const res = await fetch(`http://127.0.0.1:${s.port}/`);
          assert.equal(await res.text(), "alive");
          process.kill(s.child.pid!, "SIGKILL");
          await s.exited;
          await within(15_000, "the server and its loops exit", () => started.every((pid) => !alive(pid)));
          assert.equal(await tryConnect(s.port), "ECONNREFUSED");
          await within(5_000, "the port can be bound again", () => bindable(s.port));
        } catch (err) {
          throw new Error(`${(err as Error).message}\n--- output ---\n${s.output()}`, { cause: err });
        } finally {
          killAll(started);
          await s.kill();
        }
      }, 90_000);
    }

    it(
      "Ctrl-C (SIGINT to the terminal's process group) reaches the server once: a drain, not a force",
      async () => {
        const s = serve(["app.ts", "--runtime", rt.id, "--port", "0"], { cwd: app.dir, detached: true });
        try {
          await s.ready(60_000);
          s.signalGroup("SIGINT");
          const { code } = await s.exited;
          assert.equal(code, 0, s.output());
          assert.ok(s.lines.some((l) => /^shutdown drained:/.test(l.text)), s.output());
          assert.ok(!s.lines.some((l) => /second signal/.test(l.text)), s.output());
        } finally {
          await s.kill();
        }
      },
      90_000,
    );
  });
}
