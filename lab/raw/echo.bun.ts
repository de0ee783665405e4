/**
 * The raw echo server on Bun, straight on `Bun.listen`
 * (https://bun.sh/docs/api/tcp): what one idle connection costs the runtime
 * itself. Bytes the kernel did not take wait for `drain`, reads paused.
 *
 * @module
 */

import { announce, serverArgs } from "../peers/_args.ts";
import { bunApi, type BunSocket } from "../_shims.ts";

const { port, hostname } = serverArgs();

function send(s: BunSocket<Uint8Array | undefined>, bytes: Uint8Array): void {
  const n = s.write(bytes);
  if (n < bytes.length) {
    s.data = bytes.slice(n);
    s.pause?.();
  }
}

const listener = bunApi().listen<Uint8Array | undefined>({
  hostname,
  port,
  socket: {
    data(s, bytes) {
      const rest = s.data;
      if (rest === undefined) return send(s, bytes);
      const all = new Uint8Array(rest.length + bytes.length);
      all.set(rest, 0);
      all.set(bytes, rest.length);
      s.data = undefined;
      send(s, all);
    },
    drain(s) {
      const rest = s.data;
      if (rest === undefined) return;
      s.data = undefined;
      send(s, rest);
      if (s.data === undefined) s.resume?.();
    },
  },
});
announce("tcp", hostname, listener.port);
