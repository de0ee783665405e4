/**
 * One idle connection of the kind a server is asked to hold: a TCP echo
 * connection, an HTTP/1.1 keep-alive connection, or a WebSocket. Each makes
 * one round trip first (a line echoed, a request answered, a handshake and
 * a message echoed), so the server has set up its whole read path, then
 * stays silent. Plain `node:net`, so the client can bind its local address
 * (127.0.0.2, 127.0.0.3 …): one source address has only the ephemeral port
 * range for connections to one server address and port.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { connect, type Socket } from "node:net";

/** What the connection speaks. */
export type IdleProtocol = "tcp" | "http" | "ws";

/** Where to connect and how. */
export interface IdleTarget {
  protocol: IdleProtocol;
  hostname: string;
  port: number;
  /** The request path (HTTP and WebSocket). Default `/`. */
  path?: string;
  /** The client socket's local address, e.g. `127.0.0.2`. Default: the system's choice. */
  localAddress?: string;
  /** Give up after this long. Default 10 s. */
  timeoutMs?: number;
  /**
   * A WebSocket is ready once upgraded, without its echoed message: a
   * publisher's message goes to the topic, not back to it. Default false.
   */
  upgradeOnly?: boolean;
}

/** A masked text frame holding "ping" (RFC 6455 §5.2; the mask is all zeroes: XOR leaves the text as is). */
const WS_PING_MESSAGE = Buffer.from([0x81, 0x84, 0, 0, 0, 0, 0x70, 0x69, 0x6e, 0x67]);

/** The bytes that open `t`'s round trip. */
function opening(t: IdleTarget): Buffer {
  const host = `${t.hostname.includes(":") ? `[${t.hostname}]` : t.hostname}:${t.port}`;
  if (t.protocol === "tcp") return Buffer.from("ping\n");
  const head = `GET ${t.path ?? "/"} HTTP/1.1\r\nhost: ${host}\r\n`;
  if (t.protocol === "http") return Buffer.from(head + "\r\n");
  return Buffer.from(
    head + "upgrade: websocket\r\nconnection: Upgrade\r\n" +
      "sec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\nsec-websocket-version: 13\r\n\r\n",
  );
}

/**
 * How far the round trip got with `got` received: `"done"`, `"more"`, or
 * `"upgraded"` (a WebSocket's 101 came: its message goes next). Throws on
 * an answer that is not the one expected.
 */
export function roundTrip(
  protocol: IdleProtocol,
  got: Buffer,
  upgraded: boolean,
): "done" | "more" | "upgraded" {
  if (protocol === "tcp") return got.length > 0 ? "done" : "more";
  if (protocol === "ws" && upgraded) {
    // The echoed frame: 2 head bytes and its 7-bit length of payload.
    return got.length >= 2 && got.length >= 2 + (got[1] & 0x7f) ? "done" : "more";
  }
  const end = got.indexOf("\r\n\r\n");
  if (end < 0) return "more";
  const head = got.subarray(0, end).toString("latin1");
  const status = Number(head.slice(9, 12));
  if (protocol === "ws") {
    if (status !== 101) throw new Error(`the upgrade was answered ${head.split("\r\n")[0]}`);
    return "upgraded";
  }
  if (status < 200 || status > 299) throw new Error(`answered ${head.split("\r\n")[0]}`);
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
  if (length !== null) return got.length - end - 4 >= Number(length[1]) ? "done" : "more";
  // A chunked body ends with its last chunk.
  return got.subarray(end).includes("\r\n0\r\n\r\n") ? "done" : "more";
}

/** Opens one connection and makes its round trip; resolves with the socket, now idle. */
export function openIdle(t: IdleTarget): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: t.hostname, port: t.port, localAddress: t.localAddress });
    let got: Buffer = Buffer.alloc(0);
    let upgraded = false;
    const fail = (err: Error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(err);
    };
    const timer = setTimeout(() => fail(new Error("no answer")), t.timeoutMs ?? 10_000);
    socket.setNoDelay(true);
    socket.once("error", fail);
    socket.once("close", () => fail(new Error("closed by the server")));
    socket.once("connect", () => socket.write(opening(t)));
    const onData = (chunk: Buffer) => {
      got = got.length === 0 ? chunk : Buffer.concat([got, chunk]);
      let step: ReturnType<typeof roundTrip>;
      try {
        step = roundTrip(t.protocol, got, upgraded);
      } catch (err) {
        fail(err as Error);
        return;
      }
      if (step === "upgraded" && t.upgradeOnly) step = "done";
      if (step === "upgraded") {
        upgraded = true;
        got = got.subarray(got.indexOf("\r\n\r\n") + 4);
        socket.write(WS_PING_MESSAGE);
        if (got.length > 0) onData(Buffer.alloc(0));
        return;
      }
      if (step === "more") return;
      clearTimeout(timer);
      socket.removeAllListeners("data");
      socket.removeAllListeners("close");
      socket.removeAllListeners("error");
      // Idle from now on: an error or a close is counted by the holder.
      socket.on("error", () => {});
      resolve(socket);
    };
    socket.on("data", onData);
  });
}
