/**
 * Fake loop hosts for the supervisor's unit tests: each spawned "loop" is a
 * script of what it does with the protocol (ready, fail, die, report), run
 * on timers, so the supervisor's policy is tested without threads or ports.
 *
 * @module
 */

import type { LoopHosts, LoopPlan, WorkerHandle, WorkerHandler } from "../../core/types.ts";
import type { LoopConfig, LoopCounters, ToLoop } from "../../core/loops/protocol.ts";
import type { ShutdownReport } from "../../core/types.ts";

/** What one fake loop does. */
export interface Behaviour {
  /** On start: `"ready"` (default), `"fail"` (reports an error), `"exit"` (dies at once), `"hang"` (says nothing). */
  start?: "ready" | "fail" | "exit" | "hang";
  /** Says ready this long after start (a slow start). Default at once. */
  readyAfterMs?: number;
  /** Dies (exit code 1) this long after ready. */
  dieAfterMs?: number;
  /** On close: reports after this long (default 5 ms); `"hang"` never does. */
  close?: number | "hang";
  report?: Partial<ShutdownReport>;
  stats?: LoopCounters;
}

/** One spawned fake loop, as the test sees it. */
export interface FakeLoop extends WorkerHandle<unknown> {
  index: number;
  config?: LoopConfig;
  received: ToLoop[];
  terminated: boolean;
  /** Kills it from outside (exit code 137). */
  kill(code?: number): void;
  /** Sends `msg` to the supervisor, as a loop host does. */
  say(msg: unknown): void;
}

export const counters = (open: number, requests: number): LoopCounters => ({
  connections: { open, accepted: open + requests, closed: requests },
  requests,
  responses: { "1xx": 0, "2xx": requests, "3xx": 0, "4xx": 0, "5xx": 0 },
  bytesRead: requests,
  bytesWritten: requests,
  errors: {},
});

/** Fake {@link LoopHosts}; `behave(i, config)` scripts the i-th spawned loop. */
export function fakeHosts(behave: (index: number) => Behaviour = () => ({})) {
  const loops: FakeLoop[] = [];
  let nextPort = 41_000;
  const reserved: string[] = [];
  const hosts: LoopHosts = {
    plan: (): LoopPlan => ({ host: "thread", balance: "reuse-port", why: "fake" }),
    spawn<S>(_plan: LoopPlan, handler: WorkerHandler<S>): WorkerHandle<S> {
      const index = loops.length;
      const b = behave(index);
      let exited = false;
      const exit = (code: number, error?: unknown) => {
        if (exited) return;
        exited = true;
        setTimeout(() => handler.exit(loop as unknown as WorkerHandle<S>, { code, error }), 1);
      };
      const tell = (msg: unknown) =>
        setTimeout(() => !exited && handler.message(loop as unknown as WorkerHandle<S>, msg), 1);
      const loop: FakeLoop = {
        index,
        state: undefined,
        received: [],
        terminated: false,
        post(message) {
          const msg = message as ToLoop;
          loop.received.push(msg);
          if (msg.t === "start") {
            loop.config = msg.config;
            const port = msg.config.port === 0 ? nextPort++ : msg.config.port!;
            if (b.start === "fail") {
              tell({ t: "failed", error: { isError: true, name: "Error", message: "app broke" } });
            } else if (b.start === "exit") exit(1);
            else if (b.start !== "hang") {
              setTimeout(() => {
                tell({ t: "ready", port, kind: "http", engine: "kernel" });
                tell({ t: "stats", stats: b.stats ?? counters(1, 2) });
                if (b.dieAfterMs !== undefined) {
                  setTimeout(() => exit(1, new Error("died on cue")), b.dieAfterMs);
                }
              }, b.readyAfterMs ?? 0);
            }
          } else if (msg.t === "stats") tell({ t: "stats", stats: b.stats ?? counters(1, 2) });
          else if (msg.t === "close" && b.close !== "hang") {
            setTimeout(() => {
              tell({
                t: "closed",
                report: { outcome: "drained", completed: 1, forced: 0, ms: 5, ...b.report },
                stats: counters(0, 3),
              });
            }, b.close ?? 5);
          }
        },
        terminate() {
          loop.terminated = true;
          exit(137);
        },
        kill(code = 137) {
          exit(code);
        },
        say: (msg) => tell(msg),
      };
      loops.push(loop);
      tell({ t: "hello" });
      return loop as unknown as WorkerHandle<S>;
    },
    reservePort(hostname) {
      reserved.push(hostname);
      return Promise.resolve(nextPort++);
    },
    cores: () => 2,
    mainModule: () => "file:///main.ts",
    channel: () => {
      throw new Error("not in a loop");
    },
  };
  return { hosts, loops, reserved };
}
