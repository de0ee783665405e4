/**
 * Topics of one loop: who is subscribed to what, and the fan-out of a
 * published message (one frame built, written to every subscriber). A
 * relay, when the server runs on several loops, carries each publish to the
 * other loops (WS8), which deliver it to their own subscribers.
 *
 * @module
 */

import { frame, Opcode } from "./frames.ts";
import type { WsData } from "./types.ts";

/** A subscriber: a socket that takes a ready-made frame. */
export interface Subscriber {
  /**
   * Writes an already encoded frame of a `size`-byte message; returns `size`
   * when it went out, -1 when queued behind backpressure, 0 when dropped.
   */
  sendFrame(frame: Uint8Array, size: number): number;
}

/** Carries publishes to the other loops of a server. */
export interface TopicRelay {
  /** Sends one publish to every other loop. */
  forward(topic: string, binary: boolean, payload: Uint8Array): void;
}

/**
 * The topics of one server on one loop. The kernel's sockets are
 * {@link Subscriber}s that take a ready-made frame; a native engine's may be
 * anything it can send to (`S`), delivered by the engine itself.
 */
export class TopicHub<S = Subscriber> {
  #topics = new Map<string, Set<S>>();
  /** Set when the server has other loops. */
  relay: TopicRelay | undefined;

  subscribe(topic: string, s: S): void {
    let set = this.#topics.get(topic);
    if (set === undefined) this.#topics.set(topic, set = new Set());
    set.add(s);
  }

  unsubscribe(topic: string, s: S): void {
    const set = this.#topics.get(topic);
    if (set === undefined) return;
    set.delete(s);
    if (set.size === 0) this.#topics.delete(topic);
  }

  count(topic: string): number {
    return this.#topics.get(topic)?.size ?? 0;
  }

  /** The topic's subscribers on this loop (none: undefined). */
  subscribers(topic: string): ReadonlySet<S> | undefined {
    return this.#topics.get(topic);
  }

  /**
   * Writes `frame` (a `size`-byte message) to the topic's subscribers on this
   * loop, except `skip`. Returns `size` when at least one took it, else 0: as
   * Bun's `publish`, the message's bytes once, not once per subscriber.
   */
  deliver(
    this: TopicHub<Subscriber>,
    topic: string,
    frame: Uint8Array,
    size: number,
    skip?: Subscriber,
  ): number {
    const set = this.#topics.get(topic);
    if (set === undefined) return 0;
    let took = false;
    for (const s of set) {
      if (s === skip) continue;
      if (s.sendFrame(frame, size) !== 0) took = true;
    }
    return took ? size : 0;
  }
}

const encoder = new TextEncoder();

/** The bytes of a message to send or publish. */
export function bytesOf(data: WsData): Uint8Array {
  if (typeof data === "string") return encoder.encode(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** Delivers a message to the topic's kernel subscribers on this loop (another loop's publish lands here). */
export function deliverHere(hub: TopicHub, topic: string, binary: boolean, payload: Uint8Array): number {
  return hub.deliver(topic, frame(binary ? Opcode.BINARY : Opcode.TEXT, payload), payload.length);
}

/** `server.publish(topic, data)`: every subscriber on this loop, and the other loops (WS8). */
export function publishFromServer(hub: TopicHub, topic: string, data: WsData): number {
  const binary = typeof data !== "string";
  const bytes = bytesOf(data);
  const sent = deliverHere(hub, topic, binary, bytes);
  hub.relay?.forward(topic, binary, bytes);
  return sent;
}
