/**
 * The raw RESP server on Bun: `_resp.ts` straight on `Bun.listen`
 * (https://bun.sh/docs/api/tcp). Bun's `write` takes what the kernel takes
 * and buffers nothing, so the rest waits here for `drain`, with reads paused.
 *
 * @module
 */

import { announce, serverArgs } from "../peers/_args.ts";
import { bunApi, type BunSocket } from "../_shims.ts";
import { RespSession } from "./_resp.ts";

interface State {
  session: RespSession;
  rest: Uint8Array | undefined;
}

const { port, hostname } = serverArgs();

function flush(s: BunSocket<State>, bytes: Uint8Array): void {
  const n = s.write(bytes);
  if (n < bytes.length) {
    s.data.rest = bytes.subarray(n);
    s.pause?.();
  }
}

const listener = bunApi().listen<State>({
  hostname,
  port,
  socket: {
    open(s) {
      s.data = { session: new RespSession(), rest: undefined };
    },
    data(s, bytes) {
      const st = s.data;
      const out = st.session.feed(bytes);
      if (out !== undefined) {
        if (st.rest !== undefined) {
          const all = new Uint8Array(st.rest.length + out.length);
          all.set(st.rest, 0);
          all.set(out, st.rest.length);
          st.rest = undefined;
          flush(s, all);
        } else flush(s, out);
      }
      if (st.session.broken) s.end();
    },
    drain(s) {
      const rest = s.data.rest;
      if (rest === undefined) return;
      s.data.rest = undefined;
      flush(s, rest);
      if (s.data.rest === undefined) s.resume?.();
    },
  },
});
announce("tcp", hostname, listener.port);
