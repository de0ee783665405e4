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

/** The topics of one server on one loop. */
export class TopicHub {
  #topics = new Map<string, Set<Subscriber>>();
  /** Set when the server has other loops. */
  relay: TopicRelay | undefined;

  subscribe(topic: string, s: Subscriber): void {
    let set = this.#topics.get(topic);
    if (set === undefined) this.#topics.set(topic, set = new Set());
    set.add(s);
  }

  unsubscribe(topic: string, s: Subscriber): void {
    const set = this.#topics.get(topic);
    if (set === undefined) return;
    set.delete(s);
    if (set.size === 0) this.#topics.delete(topic);
  }

  count(topic: string): number {
    return this.#topics.get(topic)?.size ?? 0;
  }

  /**
   * Writes `frame` (a `size`-byte message) to the topic's subscribers on this
   * loop, except `skip`. Returns `size` when at least one took it, else 0: as
   * Bun's `publish`, the message's bytes once, not once per subscriber.
   */
  deliver(topic: string, frame: Uint8Array, size: number, skip?: Subscriber): number {
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

/** `server.publish(topic, data)`: every subscriber on this loop, and the other loops (WS8). */
export function publishFromServer(hub: TopicHub, topic: string, data: WsData): number {
  const binary = typeof data !== "string";
  const bytes = typeof data === "string"
    ? encoder.encode(data)
    : data instanceof ArrayBuffer
    ? new Uint8Array(data)
    : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const sent = hub.deliver(topic, frame(binary ? Opcode.BINARY : Opcode.TEXT, bytes), bytes.length);
  hub.relay?.forward(topic, binary, bytes);
  return sent;
}
