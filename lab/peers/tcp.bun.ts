/**
 * The ceiling on Bun: the minimal responder (`_responder.ts`) straight on
 * `Bun.listen` (https://bun.sh/docs/api/tcp). Bun's `write` takes what the
 * kernel takes and buffers nothing, so the rest is queued here until `drain`.
 *
 * @module
 */

import { announce, serverArgs } from "./_args.ts";
import { bunApi, type BunSocket } from "../_shims.ts";
import { Responder } from "./_responder.ts";

interface State {
  responder: Responder;
  queue: Uint8Array[];
  ending: boolean;
}

const { port, hostname } = serverArgs();

/** Writes what the kernel takes; queues the rest. False when anything is queued. */
function write(s: BunSocket<State>, bytes: Uint8Array): boolean {
  const st = s.data;
  if (st.queue.length > 0) {
    st.queue.push(bytes);
    return false;
  }
  const n = s.write(bytes);
  if (n === bytes.length) return true;
  st.queue.push(bytes.subarray(n));
  return false;
}

const listener = bunApi().listen<State>({
  hostname,
  port,
  socket: {
    open(s) {
      const st: State = { responder: undefined!, queue: [], ending: false };
      s.data = st;
      st.responder = new Responder({
        write: (bytes) => write(s, bytes),
        end: () => {
          st.ending = true;
          if (st.queue.length === 0) s.end();
        },
      });
    },
    data(s, bytes) {
      s.data.responder.data(bytes);
      if (s.data.responder.blocked) s.pause?.();
    },
    drain(s) {
      const st = s.data;
      while (st.queue.length > 0) {
        const head = st.queue[0];
        const n = s.write(head);
        if (n < head.length) {
          st.queue[0] = head.subarray(n);
          return;
        }
        st.queue.shift();
      }
      if (st.ending) return s.end();
      st.responder.drain();
      if (!st.responder.blocked) s.resume?.();
    },
  },
});
announce("http", hostname, listener.port);
