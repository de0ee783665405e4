/**
 * The command line every peer and raw server takes: `--port N` (default 0,
 * any free port) and `--hostname H` (default 127.0.0.1); and the one line it
 * prints once it accepts, which the bench waits for.
 *
 * @module
 */

import process from "node:process";

/** `--port` and `--hostname` from the command line. */
export function serverArgs(): { port: number; hostname: string; app: string | undefined } {
  const argv = process.argv.slice(2);
  const get = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  return { port: Number(get("port") ?? 0), hostname: get("hostname") ?? "127.0.0.1", app: get("app") };
}

/** Prints `listening on <scheme>://host:port`, the line the bench waits for. */
export function announce(scheme: "http" | "tcp", hostname: string, port: number): void {
  console.log(`listening on ${scheme}://${hostname}:${port}`);
}
