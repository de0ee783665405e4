/**
 * TCP echo that respects backpressure both ways: when the peer stops reading,
 * our writes back up, so we stop reading too (and the peer's writes back up
 * in turn). Run it with `npx triloop serve examples/echo.ts`.
 *
 * @module
 */

import type { SocketHandler } from "triloop";

const echo: SocketHandler = {
  data(conn, bytes) {
    // Bytes are ours to keep (S3): write them back without a copy.
    if (!conn.write(bytes)) conn.pause();
  },
  drain(conn) {
    conn.resume();
  },
};

export default echo;
