/**
 * What the Node and Bun transports share: each wraps a runtime socket object
 * that pauses, resumes and knows its addresses, and ends it once. (Deno's
 * connections are pull-based: its transport is its own.)
 *
 * @module
 */

import type { Transport } from "../core/types.ts";

/** The part of a runtime socket this file uses (node:net's or Bun's). */
export interface RuntimeSocket {
  pause(): unknown;
  resume(): unknown;
  readonly remoteAddress?: string;
  readonly remotePort?: number;
  readonly localAddress?: string;
  readonly localPort?: number;
}

/** A runtime socket as a core {@link Transport}; the runtime's subclass writes and ends it. */
export abstract class SocketTransport<S extends RuntimeSocket> implements Transport {
  protected readonly socket: S;
  /** Set by `destroy`: nothing is written after. */
  protected destroyed = false;

  constructor(socket: S) {
    this.socket = socket;
  }

  abstract write(bytes: Uint8Array): number;
  abstract writeTransient(bytes: Uint8Array): number;
  abstract get buffered(): number;
  abstract shutdown(): void;
  /** Closes the socket at once (called once, by `destroy`). */
  protected abstract end(): void;

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.end();
  }
  pause(): void {
    this.socket.pause();
  }
  resume(): void {
    this.socket.resume();
  }
  get remoteAddress(): string {
    return this.socket.remoteAddress ?? "";
  }
  get remotePort(): number {
    return this.socket.remotePort ?? 0;
  }
  get localAddress(): string {
    return this.socket.localAddress ?? "";
  }
  get localPort(): number {
    return this.socket.localPort ?? 0;
  }
}
