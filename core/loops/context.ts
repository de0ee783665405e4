/**
 * Which loop is this? A loop host records who it is before it loads the app,
 * so any code in the loop — a TCP handler, a module's top level — can ask
 * with {@link currentLoop} (LP3). The record lives on `globalThis` under a
 * registered symbol, so two copies of this module (source and a build) agree.
 *
 * @module
 */

import type { LoopInfo, Server } from "../types.ts";
import type { TopicRelay } from "../ws/topics.ts";

/** Delivers another loop's publish to this loop's subscribers of one server. */
export type TopicSink = (topic: string, binary: boolean, payload: Uint8Array) => void;

/** Where the servers of a loop meet the other loops' publishes (WS8). */
export interface LoopTopics {
  /** Sends a publish of the server on `port` to every other loop. */
  forward(port: number, topic: string, binary: boolean, payload: Uint8Array): void;
  /** This loop's servers, by port. */
  readonly sinks: Map<number, TopicSink>;
}

/** A server's link to the other loops: its hub's relay, and how to leave. */
export interface TopicLink extends TopicRelay {
  leave(): void;
}

/** What a loop host records before it loads the app. */
export interface LoopContext extends LoopInfo {
  /** The port to listen on, once resolved (LP1); undefined for the first loop of port 0. */
  port: number | undefined;
  reusePort: boolean;
  /** Claim the port before binding it with `reusePort` (LP11): see `claim.ts`. */
  claim: boolean;
  /** For `"main"` loops: hands the server of the app's `serve({ loops })` to the host. */
  register?(server: Server): void;
  /** For `"main"` loops: the app's `serve({ loops })` failed. */
  fail?(err: unknown): void;
  /** With more than one loop: the supervisor's channel for publishes (WS8). */
  topics?: LoopTopics;
}

const KEY = Symbol.for("triloop.loop");

const OUTSIDE: LoopInfo = Object.freeze({ id: 0, count: 1, supervised: false });

/**
 * Who this loop is: `{ id, count, supervised }`. Outside a supervised loop
 * (the supervisor itself, or a plain single-loop server) it is
 * `{ id: 0, count: 1, supervised: false }`.
 *
 * @example A TCP handler that greets with its loop id
 * ```ts
 * import { currentLoop } from "./context.ts";
 * import type { SocketHandler } from "../types.ts";
 * const greeter: SocketHandler = {
 *   open(conn) { conn.end(`loop ${currentLoop().id}\n`); },
 *   data() {},
 * };
 * ```
 */
export function currentLoop(): LoopInfo {
  const ctx = (globalThis as Record<symbol, LoopContext | undefined>)[KEY];
  return ctx === undefined ? OUTSIDE : { id: ctx.id, count: ctx.count, supervised: true };
}

/** The full record, for the loop host and `serve()`; undefined outside a loop. */
export function loopContext(): LoopContext | undefined {
  return (globalThis as Record<symbol, LoopContext | undefined>)[KEY];
}

/** Records who this loop is (the loop host calls it once, before loading the app). */
export function enterLoop(ctx: LoopContext): void {
  (globalThis as Record<symbol, LoopContext | undefined>)[KEY] = ctx;
}

/**
 * Joins the server on `port` to its twins on the other loops (WS8): what it
 * publishes goes to them, and `sink` gets what they publish. Undefined
 * outside a supervised loop, or with one loop.
 */
export function joinLoopTopics(port: number, sink: TopicSink): TopicLink | undefined {
  const topics = loopContext()?.topics;
  if (topics === undefined) return undefined;
  topics.sinks.set(port, sink);
  return {
    forward: (topic, binary, payload) => topics.forward(port, topic, binary, payload),
    leave() {
      if (topics.sinks.get(port) === sink) topics.sinks.delete(port);
    },
  };
}
