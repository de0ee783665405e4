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
  /** Writes an already encoded frame; returns the bytes written, -1 queued, 0 dropped. */
  sendFrame(frame: Uint8Array): number;
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

  /** Writes `frame` to the topic's subscribers on this loop, except `skip`; returns the bytes written. */
  deliver(topic: string, frame: Uint8Array, skip?: Subscriber): number {
    const set = this.#topics.get(topic);
    if (set === undefined) return 0;
    let sent = 0;
    for (const s of set) {
      if (s === skip) continue;
      const n = s.sendFrame(frame);
      if (n > 0) sent += n;
    }
    return sent;
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
  const sent = hub.deliver(topic, frame(binary ? Opcode.BINARY : Opcode.TEXT, bytes));
  hub.relay?.forward(topic, binary, bytes);
  return sent;
}
