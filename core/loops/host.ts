/**
 * The loop side of a supervisor, the same on every runtime: say hello, load
 * the app as told, serve, send counters, and close gracefully when asked.
 * An adapter's loop entry gives it the runtime and the channel.
 *
 * @module
 */

import type { Adapter, LoopChannel, Server } from "../types.ts";
import { toWire } from "../_shared/wire-error.ts";
import { claimPort } from "./claim.ts";
import { enterLoop, type LoopContext, type LoopTopics } from "./context.ts";
import { entryAddress, type EntryExport, type ServedEntry, servedHttp, serveEntry } from "./entry.ts";
import { importEntry } from "./load-error.ts";
import type { LoopConfig, PublishMessage, ToLoop } from "./protocol.ts";

/** Serves as loop host on the far end of `channel` until the supervisor closes it. */
export function hostLoop(runtime: Adapter, channel: LoopChannel): void {
  const host = new LoopHost(runtime, channel);
  channel.listen((data) => host.receive(data as ToLoop));
  channel.post({ t: "hello" });
}

class LoopHost {
  readonly #runtime: Adapter;
  readonly #channel: LoopChannel;
  #served: ServedEntry | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;
  #closing = false;
  /** The servers' link to the other loops' topics (WS8). */
  readonly #topics: LoopTopics;

  constructor(runtime: Adapter, channel: LoopChannel) {
    this.#runtime = runtime;
    this.#channel = channel;
    this.#topics = {
      sinks: new Map(),
      forward(port, topic, binary, payload) {
        // The message's bytes alone: a view clones its whole buffer (an adapter's pooled read slab).
        const whole = payload.byteOffset === 0 && payload.byteLength === payload.buffer.byteLength;
        const msg: PublishMessage = {
          t: "publish",
          port,
          topic,
          binary,
          payload: whole ? payload : payload.slice(),
        };
        channel.post(msg);
      },
    };
  }

  receive(msg: ToLoop): void {
    if (msg.t === "publish") this.#topics.sinks.get(msg.port)?.(msg.topic, msg.binary, msg.payload);
    else if (msg.t === "start") void this.#start(msg.config);
    else if (msg.t === "stats") this.#sendStats();
    else if (msg.t === "close") void this.#close(msg.graceMs, msg.drainDelayMs);
    else if (msg.t === "tls") {
      // A certificate that does not load keeps the old one (TL6); the supervisor checked it first.
      this.#served?.reloadTls(msg.tls).catch((err) => console.error(`triloop: TLS reload failed: ${err}`));
    }
  }

  async #start(config: LoopConfig): Promise<void> {
    try {
      this.#served = config.mode === "entry" ? await this.#serveEntry(config) : await this.#runMain(config);
    } catch (err) {
      this.#channel.post({ t: "failed", error: toWire(err) });
      return;
    }
    const s = this.#served;
    this.#channel.post({ t: "ready", hostname: s.hostname, port: s.port, kind: s.kind, engine: s.engine });
    this.#timer = setInterval(() => this.#sendStats(), config.statsIntervalMs);
    if (this.#closing) void this.#close(0);
  }

  async #serveEntry(config: LoopConfig): Promise<ServedEntry> {
    // The claim is done here, right before the bind.
    enterLoop(loopOf(config, { claim: false, topics: this.#topicsFor(config) }));
    const exported = (await importEntry(config.module)).default as EntryExport;
    const asked = entryAddress(exported, config);
    const hostname = asked.hostname;
    // Round-robin loops share the socket their supervisor keys by the port
    // asked for, so port 0 is resolved before the first listen (LP1): by the
    // supervisor when it knows the port, by the first loop when only the
    // entry (or the fallback) says.
    const resolved = asked.port === 0 && !config.reusePort
      ? await this.#runtime.loopHosts.reservePort(hostname)
      : asked.port;
    const port = await claimPort(this.#runtime, hostname, resolved, config.claim);
    return serveEntry(this.#runtime, exported, {
      hostname,
      port,
      reusePort: config.reusePort,
      engine: config.engine,
      tls: config.tls,
      deploy: config.deploy,
    });
  }

  /** Runs the program's main module; its `serve({ loops })` call hands over the server. */
  async #runMain(config: LoopConfig): Promise<ServedEntry> {
    const server = await new Promise<Server>((register, fail) => {
      enterLoop(loopOf(config, { claim: config.claim, register, fail, topics: this.#topicsFor(config) }));
      import(config.module).catch(fail);
    });
    return servedHttp(server, new URL(server.url).hostname.replace(/^\[(.*)\]$/, "$1"));
  }

  /** Publishes cross loops only when there are others. */
  #topicsFor(config: LoopConfig): LoopTopics | undefined {
    return config.count > 1 ? this.#topics : undefined;
  }

  #sendStats(): void {
    if (this.#served !== undefined) this.#channel.post({ t: "stats", stats: this.#served.stats() });
  }

  async #close(graceMs: number, drainDelayMs = 0): Promise<void> {
    const s = this.#served;
    if (s === undefined) {
      this.#closing = true; // still starting: closes once ready (#start)
      return;
    }
    if (this.#timer === undefined) {
      // Closing already: a second close with 0 cuts a drain delay short (HZ3).
      if (graceMs === 0) void s.close(0);
      return;
    }
    clearInterval(this.#timer);
    this.#timer = undefined;
    const report = await s.close(graceMs, drainDelayMs);
    this.#channel.post({ t: "closed", report, stats: s.stats() });
    this.#channel.done(0);
  }
}

/** Who this loop is, from its config; `rest` says who claims the port and how the app hands back its server. */
function loopOf(
  config: LoopConfig,
  rest: Pick<LoopContext, "claim" | "register" | "fail" | "topics">,
): LoopContext {
  return {
    id: config.id,
    count: config.count,
    supervised: true,
    port: config.port,
    reusePort: config.reusePort,
    ...rest,
  };
}
