/**
 * The slices of Bun's and Deno's APIs the bench's raw servers and peers call,
 * typed here so one `tsc` (with Node types) and `deno check` both accept the
 * files, and fetched from `globalThis` so neither checker needs the other
 * runtime's types. APIs: https://bun.sh/docs/api/tcp, https://bun.sh/docs/api/http,
 * https://docs.deno.com/api/deno/~/Deno.listen, https://docs.deno.com/api/deno/~/Deno.serve.
 *
 * @module
 */

/** A Bun TCP socket. */
export interface BunSocket<T> {
  data: T;
  write(bytes: Uint8Array): number;
  end(): void;
  pause?(): void;
  resume?(): void;
}

/** The part of `Bun` the bench uses. */
export interface BunApi {
  listen<T>(options: {
    hostname: string;
    port: number;
    socket: {
      open?(s: BunSocket<T>): void;
      data(s: BunSocket<T>, bytes: Uint8Array): void;
      drain?(s: BunSocket<T>): void;
      close?(s: BunSocket<T>): void;
      error?(s: BunSocket<T>, err: Error): void;
    };
  }): { port: number };
  serve(options: {
    hostname: string;
    port: number;
    fetch(req: Request, server: unknown): Response | Promise<Response>;
  }): { port: number };
}

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
}

/** `Bun`, or a TypeError when not on Bun. */
export function bunApi(): BunApi {
  const api = (globalThis as unknown as { Bun?: BunApi }).Bun;
  if (api === undefined) throw new TypeError("This server runs on Bun only");
  return api;
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
