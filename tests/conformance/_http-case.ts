/**
 * What every HTTP conformance case gets and the helpers they share. The
 * server is the fixture (`http-fixture.ts`) in a child process under the
 * runtime and engine under test; the client is Node, in vitest.
 *
 * @module
 */

import type { FixtureServer } from "./http-fixture.ts";
import { scheme } from "./_http-client.ts";
import type { RuntimeId } from "./skips.ts";

/** The fixture servers of one runtime and engine. */
export interface HttpTarget {
  runtime: RuntimeId;
  engine: "kernel" | "native";
  /** The port of each fixture server. */
  ports: Record<FixtureServer, number>;
  /** The server process (for its memory). */
  pid: number;
}

/** One case: an invariant id and what it proves. */
export interface HttpCase {
  /** `"H<n> …"`, after the invariant in `core/types.ts`. */
  name: string;
  /** Runs alone (memory and throughput cases); others run concurrently. */
  serial?: boolean;
  /** Default 15 s. */
  timeoutMs?: number;
  run(t: HttpTarget): Promise<void>;
}

export { CaseSkip } from "./_engine-suite.ts";

let counter = 0;

/** An id no other case uses (marks and abort counters are keyed by it). */
export function uid(prefix: string): string {
  return `${prefix}-${process.pid}-${++counter}-${Math.random().toString(36).slice(2, 8)}`;
}

/** `http://127.0.0.1:<port of server><path>` (`https://` over TLS). */
export function url(t: HttpTarget, server: FixtureServer, path: string): string {
  return `${scheme()}://127.0.0.1:${t.ports[server]}${path}`;
}

/** GETs `path` from `server` with fetch and returns the text. */
export async function getText(t: HttpTarget, server: FixtureServer, path: string): Promise<string> {
  const res = await fetch(url(t, server, path));
  return await res.text();
}

/** How often the fixture saw `/mark/<id>`. */
export async function marks(t: HttpTarget, server: FixtureServer, id: string): Promise<number> {
  return Number(await getText(t, server, `/marks/${id}`));
}

/** How often `request.signal` aborted for the requests recorded under `id`. */
export async function aborts(t: HttpTarget, id: string): Promise<number> {
  return Number(await getText(t, "main", `/aborts/${id}`));
}

/** The kind of reason `request.signal` aborted with under `id` (`Class:name`), or "none" (H9). */
export async function abortReason(t: HttpTarget, id: string): Promise<string> {
  return await getText(t, "main", `/abort-reason/${id}`);
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `read` until `ok(value)` or `ms` pass; returns the last value. */
export async function poll<T>(read: () => Promise<T>, ok: (v: T) => boolean, ms: number): Promise<T> {
  const end = performance.now() + ms;
  for (;;) {
    const v = await read();
    if (ok(v) || performance.now() > end) return v;
    await sleep(50);
  }
}
