// The slow reader, on every runtime: a client writes 256 MiB to
// examples/echo.ts without reading. The echo's writes back up, so it pauses
// reading (C2, C6); the client's writes back up in turn, by TCP flow control.
// Once the client's writes have been stuck for a second it starts reading,
// and every byte must come back intact while the server's memory stays
// bounded: 256 MiB passing through must never be held.
import * as net from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { findRuntimes } from "../../cli/runtimes.mjs";
import { memoryOf, resetPeak, startServer } from "./_server.ts";

const MiB = 1024 * 1024;
const TOTAL = 256 * MiB;
const CHUNK = 64 * 1024;
/** The client starts reading once a write has waited this long for 'drain'. */
const STALL_MS = 1000;
/**
 * Two bounds on the server's RSS above its idle RSS, measured as peaks
 * (`VmHWM`, reset before the run, and 25 ms samples of `VmRSS`):
 *
 * - While the writer is stuck (the server paused, both TCP windows full): the
 *   server may hold its output high-water mark (64 KiB), one read past it
 *   (≤ 64 KiB), reads already under way when it paused, and runtime socket
 *   buffers — under 1 MiB — plus allocator slack. Measured 2–6 MiB on every
 *   runtime; {@link STALLED_BOUND} = 16 MiB. A server that kept reading would
 *   instead hold everything sent (or hit its 4 MiB output cap and close).
 * - Over the whole run, with 256 MiB passing through: add the garbage of
 *   256 MiB of short-lived read buffers that the GC has not collected yet. It
 *   plateaus at 20–70 MiB depending on the runtime's heap sizing, and does not
 *   grow with the bytes sent. {@link TOTAL_BOUND} = 128 MiB, half of what
 *   passes through: holding even half of the data fails it.
 */
const STALLED_BOUND = 16 * MiB;
const TOTAL_BOUND = 128 * MiB;

const results: Record<string, string> = {};

/**
 * The bytes sent, as a stream: byte i is `block[i mod P] ^ (i div P)` with P a
 * prime near 1 MiB, so the pattern does not repeat within 256 MiB and a lost,
 * doubled or reordered chunk shows at its first byte.
 */
class Pattern {
  static readonly P = 1_048_573;
  static readonly block: Uint8Array = (() => {
    const b = new Uint8Array(Pattern.P);
    let x = 0x9e3779b9 | 0;
    for (let i = 0; i < b.length; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      b[i] = x & 0xff;
    }
    return b;
  })();
  #at = 0; // index into block
  #round = 0; // i div P
  /** Bytes produced (or checked) so far. */
  offset = 0;

  /** The next `n` bytes of the stream. */
  next(n: number): Uint8Array {
    const out = new Uint8Array(n);
    const block = Pattern.block;
    let at = this.#at;
    let round = this.#round & 0xff;
    for (let i = 0; i < n; i++) {
      out[i] = block[at] ^ round;
      if (++at === Pattern.P) {
        at = 0;
        round = ++this.#round & 0xff;
      }
    }
    this.#at = at;
    this.offset += n;
    return out;
  }

  /** Checks `got` against the next bytes; -1 if equal, else the stream offset of the first difference. */
  check(got: Uint8Array): number {
    const block = Pattern.block;
    let at = this.#at;
    let round = this.#round & 0xff;
    for (let i = 0; i < got.length; i++) {
      if (got[i] !== (block[at] ^ round)) return this.offset + i;
      if (++at === Pattern.P) {
        at = 0;
        round = ++this.#round & 0xff;
      }
    }
    this.#at = at;
    this.offset += got.length;
    return -1;
  }
}

interface Outcome {
  /** Peak RSS up to the moment the reader started (the writer stuck, the server paused). */
  stalledPeak: number;
  received: number;
  mismatchAt: number;
  stalledAfter: number;
  idle: number;
  peak: number;
  sampledMax: number;
}

function drainOrClose(socket: net.Socket): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      socket.off("drain", done).off("close", done);
      resolve();
    };
    socket.on("drain", done).on("close", done);
  });
}

async function slowReader(port: number, pid: number): Promise<Outcome> {
  await new Promise((r) => setTimeout(r, 300)); // let start-up garbage settle
  const idle = memoryOf(pid)?.rss ?? 0;
  const peakWasReset = resetPeak(pid);
  let sampledMax = idle;
  const sampler = setInterval(() => {
    const m = memoryOf(pid);
    if (m !== undefined) sampledMax = Math.max(sampledMax, m.rss);
  }, 25);

  const socket = net.connect({ host: "127.0.0.1", port });
  await new Promise<void>((ok, fail) => socket.once("connect", ok).once("error", fail));
  socket.pause(); // not reading: the socket buffers one high-water mark, then the kernel window fills
  const source = new Pattern();
  const expected = new Pattern();
  let sent = 0;
  let received = 0;
  let mismatchAt = -1;
  let stalledAfter = -1;
  let stalledPeak = 0;
  const peakNow = () => {
    const m = memoryOf(pid);
    if (m !== undefined) sampledMax = Math.max(sampledMax, m.rss);
    return Math.max(sampledMax, peakWasReset && m !== undefined ? m.peak : 0);
  };
  const startReading = () => {
    if (stalledAfter >= 0) return;
    stalledAfter = sent;
    stalledPeak = peakNow();
    socket.on("data", (chunk: Buffer) => {
      if (mismatchAt < 0) {
        mismatchAt = expected.check(chunk);
        if (mismatchAt >= 0) socket.destroy(new Error(`echoed byte ${mismatchAt} differs`));
      }
      received += chunk.length;
    });
    socket.resume();
  };
  const closed = new Promise<void>((done) => socket.once("close", () => done()));
  socket.on("error", () => {}); // reported through mismatchAt / received

  try {
    while (sent < TOTAL && !socket.destroyed) {
      const chunk = source.next(Math.min(CHUNK, TOTAL - sent));
      sent += chunk.length;
      if (!socket.write(chunk)) {
        // Stuck for STALL_MS while not reading: the backpressure chain is
        // complete (server paused, TCP windows full). Start reading.
        const timer = setTimeout(startReading, STALL_MS);
        await drainOrClose(socket);
        clearTimeout(timer);
      }
    }
    socket.end();
    await closed;
  } finally {
    clearInterval(sampler);
  }
  const peak = peakNow();
  return { stalledPeak, received, mismatchAt, stalledAfter, idle, peak, sampledMax };
}

afterAll(() => {
  if (Object.keys(results).length === 0) return;
  console.log("slow reader, 256 MiB through examples/echo.ts (server RSS):");
  for (const [rt, line] of Object.entries(results)) console.log(`  ${rt.padEnd(7)} ${line}`);
});

describe("slow reader: 256 MiB to echo without reading, then read it all", () => {
  for (const rt of findRuntimes()) {
    const title = `${rt.id} ${rt.version ?? ""}`.trim();
    if (!rt.available) {
      it.skip(`${title} — skipped: ${rt.reason}`, () => {});
      continue;
    }
    it(title, async () => {
      const server = await startServer(rt.id, "examples/echo.ts");
      try {
        if (memoryOf(server.pid) === undefined) {
          console.log(`slow reader on ${rt.id}: no /proc/<pid>/status here; checking bytes only`);
        }
        const o = await slowReader(server.port, server.pid);
        const mib = (n: number) => (n / MiB).toFixed(1);
        results[rt.id] = `idle ${mib(o.idle)} MiB; peak − idle: ${mib(o.stalledPeak - o.idle)} MiB while ` +
          `stalled (after ${mib(o.stalledAfter)} MiB written), ${mib(o.peak - o.idle)} MiB over the run`;
        expect(o.mismatchAt, "first corrupted byte").toBe(-1);
        expect(o.received).toBe(TOTAL);
        expect(o.stalledAfter, "the writer never stalled: backpressure did not reach it").toBeGreaterThan(0);
        expect(o.stalledAfter).toBeLessThan(TOTAL);
        if (o.idle > 0) {
          expect(o.stalledPeak - o.idle, results[rt.id]).toBeLessThan(STALLED_BOUND);
          expect(o.peak - o.idle, results[rt.id]).toBeLessThan(TOTAL_BOUND);
        }
        expect(server.exited).toBe(false);
      } finally {
        await server.stop();
      }
    }, 240_000);
  }
});
