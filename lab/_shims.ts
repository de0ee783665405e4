/**
 * The slices of Bun's and Deno's APIs the lab's raw servers and peers call,
 * typed so one `tsc` (with Node types) and `deno check` both accept the
 * files, and fetched from `globalThis` so neither checker needs the other
 * runtime's types. Bun's slice is the Bun adapter's own (`_bun.d.ts`, one
 * description of Bun's API in the repository); Deno's is here. APIs:
 * https://docs.deno.com/api/deno/~/Deno.listen, https://docs.deno.com/api/deno/~/Deno.serve.
 *
 * @module
 */

/// <reference path="../adapters/bun/_bun.d.ts" />

/** A Bun TCP socket. */
export type BunSocket<T> = BunShim.Socket<T>;

/** A Deno TCP connection. */
export interface DenoConn {
  read(buf: Uint8Array): Promise<number | null>;
  write(bytes: Uint8Array): Promise<number>;
  close(): void;
  setNoDelay?(on?: boolean): void;
}

/** The part of `Deno` the bench uses. */
export interface DenoApi {
  listen(options: { hostname: string; port: number }): AsyncIterable<DenoConn> & {
    addr: { port: number };
  };
  serve(
    options: { hostname: string; port: number; onListen?(addr: { port: number }): void },
    handler: (req: Request) => Response | Promise<Response>,
  ): unknown;
  /** https://docs.deno.com/api/deno/~/Deno.upgradeWebSocket */
  upgradeWebSocket(
    req: Request,
    options?: { idleTimeout?: number },
  ): { socket: WebSocket; response: Response };
}

/** A socket of `Bun.serve`'s websocket (https://bun.sh/docs/api/websockets). */
export interface BunServerWebSocket<T> {
  data: T;
  send(message: string | Uint8Array | ArrayBuffer): number;
  subscribe(topic: string): void;
  publish(topic: string, message: string | Uint8Array | ArrayBuffer): number;
}

/** The slice of `Bun.serve` with a `websocket` the lab's WebSocket peer calls. */
export interface BunWebSocketApi {
  serve<T>(options: {
    hostname: string;
    port: number;
    idleTimeout?: number;
    fetch(
      req: Request,
      server: { upgrade(req: Request, options: { data: T }): boolean },
    ): Response | undefined;
    websocket: {
      idleTimeout?: number;
      open?(ws: BunServerWebSocket<T>): void;
      message(ws: BunServerWebSocket<T>, message: string | Uint8Array): void;
    };
  }): { port: number };
}

/** `Bun`, or a TypeError when not on Bun. */
export function bunApi(): typeof Bun {
  const api = (globalThis as unknown as { Bun?: typeof Bun }).Bun;
  if (api === undefined) throw new TypeError("This server runs on Bun only");
  return api;
}

/** `Bun`'s server with WebSockets, or a TypeError when not on Bun. */
export function bunWebSocketApi(): BunWebSocketApi {
  return bunApi() as unknown as BunWebSocketApi;
}

/** `Deno`, or a TypeError when not on Deno. */
export function denoApi(): DenoApi {
  const api = (globalThis as unknown as { Deno?: DenoApi }).Deno;
  if (api === undefined) throw new TypeError("This server runs on Deno only");
  return api;
}

/** Writes all of `bytes` to a Deno connection (its writes may be partial). */
export async function denoWriteAll(conn: DenoConn, bytes: Uint8Array): Promise<void> {
  let at = 0;
  while (at < bytes.length) at += await conn.write(at === 0 ? bytes : bytes.subarray(at));
}

/** Closes a Deno connection that may be closed already. */
export function closeQuietly(conn: DenoConn): void {
  try {
    conn.close();
  } catch {
    // already closed
  }
}
