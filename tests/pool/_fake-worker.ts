/**
 * An in-process stand-in for `spawnWorker`, so the pool's scheduling can be
 * tested on Node without threads: each fake worker answers the pool's
 * protocol by task name, after a macrotask, and ends like a real one (one
 * `exit`, nothing after it).
 *
 * Task names: `echo` (answers `input.value` after `input.ms`), `fail`
 * (a RangeError with a code), `hang` (never answers), `die` (exits with code
 * 7), `crash` (exits with an uncaught error).
 *
 * @module
 */

import { FAIL, LOAD_FAILED, OK, READY } from "../../core/pool/protocol.ts";
import type { PoolRuntime } from "../../core/pool/pool.ts";
import { toWire } from "../../core/_shared/wire-error.ts";
import type { SpawnOptions, WorkerExit, WorkerHandle, WorkerHandler } from "../../core/types.ts";

/** A fake runtime and what happened on it. */
export interface FakeRuntime extends PoolRuntime {
  spawned: number;
  live: number;
  maxLive: number;
  /** Task names in the order workers received them. */
  received: string[];
  /** How the next spawns load: "ok", "fail" (LOAD_FAILED) or "exit" (dies loading). */
  load: "ok" | "fail" | "exit";
  /** Fake workers alive now. */
  workers: Set<FakeWorker<unknown>>;
}

export function fakeRuntime(cores = 4): FakeRuntime {
  const rt: FakeRuntime = {
    spawned: 0,
    live: 0,
    maxLive: 0,
    received: [],
    load: "ok",
    workers: new Set(),
    entry: new URL("file:///fake-entry.ts"),
    cores,
    spawnWorker<S>(_url: URL, handler: WorkerHandler<S>, _options?: SpawnOptions): WorkerHandle<S> {
      return new FakeWorker(rt, handler) as unknown as WorkerHandle<S>;
    },
  };
  return rt;
}

class FakeWorker<S> implements WorkerHandle<S> {
  state!: S;
  #rt: FakeRuntime;
  #handler: WorkerHandler<S>;
  #exited = false;
  #terminating = false;
  #loaded = false;
  #load: FakeRuntime["load"];

  constructor(rt: FakeRuntime, handler: WorkerHandler<S>) {
    this.#rt = rt;
    this.#handler = handler;
    this.#load = rt.load;
    rt.spawned++;
    rt.live++;
    rt.maxLive = Math.max(rt.maxLive, rt.live);
    rt.workers.add(this as FakeWorker<unknown>);
  }

  post(message: unknown, transfer?: Transferable[]): void {
    if (this.#exited || this.#terminating) return;
    // Throws DataCloneError synchronously, like postMessage.
    const msg = structuredClone(message, { transfer }) as [number, string, any];
    setTimeout(() => this.#receive(msg), 0);
  }

  terminate(): void {
    if (this.#exited || this.#terminating) return;
    this.#terminating = true;
    setTimeout(() => this.#exit({ code: 1 }), 0);
  }

  #receive([id, name, input]: [number, string, any]): void {
    if (this.#exited || this.#terminating) return;
    if (!this.#loaded) {
      this.#loaded = true;
      if (this.#load === "fail") return this.#send([0, LOAD_FAILED, toWire(new Error("fake load failure"))]);
      if (this.#load === "exit") return this.#exit({ code: 1, error: new Error("fake exit while loading") });
      return this.#send([0, READY]);
    }
    this.#rt.received.push(name);
    switch (name) {
      case "echo":
        setTimeout(() => this.#send([id, OK, input?.value]), input?.ms ?? 0);
        break;
      case "fail": {
        const err = Object.assign(new RangeError("fake task failure"), { code: "E_FAKE" });
        this.#send([id, FAIL, toWire(err)]);
        break;
      }
      case "hang":
        break;
      case "die":
        this.#exit({ code: 7 });
        break;
      case "crash":
        this.#exit({ code: 1, error: new Error("fake uncaught") });
        break;
      default:
        this.#send([id, FAIL, toWire(new TypeError(`No task named "${name}"`))]);
    }
  }

  /** Ends the worker on its own, between tasks. */
  crashNow(): void {
    this.#exit({ code: 1, error: new Error("fake crash between tasks") });
  }

  #send(msg: unknown): void {
    if (this.#exited || this.#terminating) return;
    this.#handler.message(this, structuredClone(msg));
  }

  #exit(info: WorkerExit): void {
    if (this.#exited) return;
    this.#exited = true;
    this.#rt.live--;
    this.#rt.workers.delete(this as FakeWorker<unknown>);
    this.#handler.exit(this, info);
  }
}
