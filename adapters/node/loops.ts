/**
 * Loops on Node.js: worker threads (https://nodejs.org/api/worker_threads.html)
 * or `cluster` processes (https://nodejs.org/api/cluster.html).
 *
 * - Node ≥ 22.12 / 23.1 has `reusePort` in `net.Server.listen`: every loop
 *   binds the port itself and the kernel spreads the accepts. A `cluster`
 *   worker that listens with `reusePort` binds its own socket too, so threads
 *   and processes balance the same way. Threads are the default: they cost
 *   the same CPU per request as processes and less memory, and respawn as
 *   fast (figures in bench/README.md). Processes (`host: "process"`,
 *   `--loop-host process`) isolate what threads cannot: a native crash.
 * - Node 20 has no `reusePort`, and worker threads cannot share a listening
 *   socket, so loops are `cluster` processes: the primary accepts and hands
 *   connections round-robin (cluster's default `SCHED_RR` on Linux). Port 0
 *   is resolved by the supervisor before the first fork, because cluster
 *   keys its shared sockets by the port asked for: a loop asking for the
 *   resolved port would not join the socket of one that asked for 0.
 *
 * Loop processes ignore SIGINT and SIGTERM: a terminal's Ctrl-C, or
 * systemd's stop, reaches the whole process group, and the supervisor is
 * the one that drains the loops. End one loop by hand with SIGKILL.
 *
 * @module
 */

import cluster, { type Worker as ClusterWorker } from "node:cluster";
import * as net from "node:net";
import os from "node:os";
import process from "node:process";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parentPort as threadPort } from "node:worker_threads";
import { TriloopError } from "../../core/errors.ts";
import { listenFailed } from "../../core/listen-error.ts";
import { toWire } from "../../core/_shared/wire-error.ts";
import type { LoopChannel, LoopHosts, LoopPlan, WorkerHandle, WorkerHandler } from "../../core/types.ts";
import { parentPort, spawnWorker } from "./pool.ts";

const ENTRY = new URL("./loop-worker.ts", import.meta.url);

const THREADS: LoopPlan = {
  host: "thread",
  balance: "reuse-port",
  why: "worker threads with reusePort: the same CPU per request as processes (see bench/README.md), " +
    "~45 MiB a loop less, and the same shape as Bun and Deno",
};
const PROCESSES_REUSE: LoopPlan = {
  host: "process",
  balance: "reuse-port",
  why: "cluster processes, each binding the port with reusePort (asked for: host 'process')",
};
const PROCESSES_RR: LoopPlan = {
  host: "process",
  balance: "round-robin",
  why:
    `Node ${process.versions.node} has no reusePort (22.12+), so cluster's primary accepts and deals round-robin`,
};

/** How Node hosts loops (LP10). */
export const loopHosts: LoopHosts = {
  plan(host) {
    if (!reusePortSupported()) {
      if (host === "thread") {
        throw new TriloopError(
          "TRI_ERR_INVALID_ARG",
          `Loops cannot be threads on Node ${process.versions.node}: threads need reusePort (Node 22.12+)`,
        );
      }
      return PROCESSES_RR;
    }
    return host === "process" ? PROCESSES_REUSE : THREADS;
  },
  spawn<S>(plan: LoopPlan, handler: WorkerHandler<S>, name: string): WorkerHandle<S> {
    if (plan.host === "thread") return spawnWorker(ENTRY, handler, { name });
    return new ClusterLoop(handler);
  },
  reservePort,
  cores: () => os.availableParallelism(),
  mainModule: () => pathToFileURL(process.argv[1]).href,
  channel: () => (threadPort !== null ? { ...parentPort(), done() {} } : clusterChannel()),
};

function reusePortSupported(): boolean {
  const [major, minor] = process.versions.node.split(".").map(Number);
  return major > 23 || (major === 23 && minor >= 1) || (major === 22 && minor >= 12);
}

let clusterReady = false;

/** One loop as a cluster worker process (T1–T4, as threads give them). */
class ClusterLoop<S> implements WorkerHandle<S> {
  state!: S;
  #w: ClusterWorker;
  #exited = false;

  constructor(handler: WorkerHandler<S>) {
    if (!clusterReady) {
      clusterReady = true;
      // The loop entry, with this process's flags (the tsx loader among them).
      // "advanced" IPC (structured clone) carries a publish's bytes as bytes (WS8), as threads do.
      cluster.setupPrimary({
        exec: fileURLToPath(ENTRY),
        args: [],
        execArgv: process.execArgv,
        serialization: "advanced",
      });
    }
    this.#w = cluster.fork();
    this.#w.on("message", (data: unknown) => {
      if (!this.#exited) handler.message(this, data);
    });
    this.#w.on("error", () => {
      // IPC write errors once the process is gone; `exit` reports the death.
    });
    this.#w.on("exit", (code: number | null, signal: string | null) => {
      if (this.#exited) return;
      this.#exited = true;
      handler.exit(this, {
        code: code ?? undefined,
        error: signal === null ? undefined : new Error(`killed by ${signal}`),
      });
    });
  }

  post(message: unknown): void {
    if (!this.#exited && this.#w.isConnected()) this.#w.send(message as object);
  }

  terminate(): void {
    if (!this.#exited) this.#w.process.kill("SIGKILL");
  }
}

/** Inside a cluster loop: IPC to the supervisor. */
function clusterChannel(): LoopChannel {
  let receive: (data: unknown) => void = () => {};
  let sending = 0;
  let exitCode: number | undefined;
  process.on("message", (data: unknown) => receive(data));
  process.on("SIGINT", ignore);
  process.on("SIGTERM", ignore);
  // Node still prints the error and exits 1; the supervisor hears the error
  // itself too, as it does from a thread (IPC writes go out synchronously
  // when the pipe is free, so the message leaves before the exit).
  process.on("uncaughtExceptionMonitor", (err) => {
    if (process.connected) process.send!({ t: "failed", error: toWire(err) });
  });
  // An unexpected disconnect (the supervisor died) makes cluster exit this process at once.
  const maybeExit = () => {
    if (exitCode !== undefined && sending === 0) process.exit(exitCode);
  };
  return {
    post(message) {
      if (!process.connected) return;
      sending++;
      process.send!(message, undefined, undefined, () => {
        sending--;
        maybeExit();
      });
    },
    listen(r) {
      receive = r;
    },
    done(code) {
      exitCode = code;
      maybeExit();
    },
  };
}

function ignore(): void {}

/**
 * Binds `hostname:port` without SO_REUSEPORT and frees it (LP1, LP11).
 * `exclusive`: in a cluster process, bind here rather than through the
 * primary's shared socket.
 */
function reservePort(hostname: string, port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", (err) => reject(listenFailed(hostname, port, err)));
    server.listen({ host: hostname, port, exclusive: true }, () => {
      const bound = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(bound));
    });
  });
}
