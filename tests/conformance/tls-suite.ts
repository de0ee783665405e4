/**
 * The TLS conformance suite: TL2–TL7 of `core/types.ts` as cases of the same
 * name, run on every runtime by `tls.runner.ts` (TL1 is the TCP suite run
 * again over TLS, `tcp-tls.*.test.ts`; TL8 is `tests/e2e/tls-clients.test.ts`).
 * The probing client is node:tls, which all three runtimes have, because it
 * can send any server name and ALPN list.
 *
 * @module
 */

import assert from "node:assert/strict";
import * as tls from "node:tls";
import { isTriloopError } from "../../core/errors.ts";
import type { Listener, Runtime, SocketHandler } from "../../core/types.ts";
import { type Case, deferred, sleep, until } from "./harness.ts";
import { TEST_TLS } from "./_tls.ts";

const HOST = "127.0.0.1";

/** Echoes, and greets in `open`. */
const greeter: SocketHandler = {
  open(conn) {
    conn.write("hello\n");
  },
  data(conn, bytes) {
    conn.write(bytes);
  },
};

/** What a node:tls client saw of the server: its certificate's CN, the ALPN pick, the first bytes. */
interface Probe {
  cn: string | undefined;
  alpn: string | false | null;
  first: string;
}

/** Connects with node:tls (trusting the test CA), reads the first line, and closes. */
function probe(port: number, o: { servername?: string; alpn?: string[] } = {}): Promise<Probe> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({
      host: HOST,
      port,
      ca: TEST_TLS.ca,
      servername: o.servername,
      ALPNProtocols: o.alpn,
      // SNI names other than localhost are checked against their certificate below, by CN.
      checkServerIdentity: () => undefined,
    });
    let first = "";
    socket.setEncoding("utf8");
    socket.once("error", reject);
    socket.on("data", (text: string) => {
      first += text;
      if (!first.includes("\n")) return;
      const cn = socket.getPeerCertificate().subject?.CN;
      const subject = Array.isArray(cn) ? cn[0] : cn;
      resolve({ cn: subject, alpn: socket.alpnProtocol, first: first.slice(0, first.indexOf("\n")) });
      socket.end();
    });
  });
}

/** Opens a plain TCP connection to a TLS port, sends `bytes` (if any), and resolves when the server closes it. */
async function raw(rt: Runtime, port: number, bytes?: string): Promise<{ got: number }> {
  const closed = deferred<void>();
  const r = { got: 0 };
  const conn = await rt.connect({ hostname: HOST, port }, {
    data: (_c, b) => void (r.got += b.byteLength),
    close: () => closed.resolve(),
  });
  if (bytes !== undefined) conn.write(bytes);
  await closed.promise;
  return r;
}

async function withListener(
  rt: Runtime,
  o: Parameters<Runtime["listen"]>[0],
  h: SocketHandler,
  body: (l: Listener) => Promise<void>,
) {
  const listener = await rt.listen({ hostname: HOST, port: 0, ...o }, h);
  try {
    await body(listener);
  } finally {
    await listener.close({ force: true });
  }
}

export const tlsSuite: Case[] = [
  {
    name: "TL2 open-after-handshake",
    async run(rt) {
      const opened: number[] = [];
      await withListener(rt, { tls: TEST_TLS.localhost }, {
        ...greeter,
        open(conn) {
          opened.push(conn.id);
          conn.write("hello\n");
        },
      }, async (l) => {
        const p = await probe(l.port);
        assert.equal(p.first, "hello", "what open wrote arrives decrypted");
        assert.equal(opened.length, 1);
        // A client that never starts its handshake never opens a connection.
        const silent = await rt.connect({ hostname: HOST, port: l.port }, { data() {} });
        await sleep(300);
        assert.equal(opened.length, 1, "open ran for a connection with no handshake");
        silent.close();
      });
    },
  },
  {
    name: "TL3 handshake-isolated: bytes that are not TLS",
    async run(rt) {
      const calls: string[] = [];
      const handler: SocketHandler = {
        open(conn) {
          calls.push("open");
          conn.write("hello\n");
        },
        data: (conn, b) => void conn.write(b),
        close: () => void calls.push("close"),
      };
      await withListener(rt, { tls: TEST_TLS.localhost }, handler, async (l) => {
        const good = await probeOpen(l.port);
        // A plain HTTP request on the TLS port.
        const plain = await raw(rt, l.port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        assert.ok(plain.got < 64, `the server answered a non-TLS client with ${plain.got} bytes`);
        await until(() => (l.stats().errors.TRI_ERR_TLS_HANDSHAKE ?? 0) >= 1, "the failed handshake counted");
        // The connection opened before is untouched, and the listener still serves.
        good.socket.write("still here\n");
        assert.equal(await good.line(), "still here");
        good.socket.destroy();
        assert.equal((await probe(l.port)).cn, "localhost");
        await until(() => calls.filter((c) => c === "close").length === 2, "both good connections closed");
        assert.equal(
          calls.filter((c) => c === "open").length,
          2,
          "no handler callback for a failed handshake",
        );
        assert.equal(l.stats().errors.TRI_ERR_TLS_HANDSHAKE, 1);
        assert.equal(l.stats().accepted, 2);
      });
    },
  },
  {
    name: "TL3 handshake-isolated: a client silent past the handshake timeout",
    async run(rt) {
      const opened: number[] = [];
      const handler: SocketHandler = {
        ...greeter,
        open(conn) {
          opened.push(conn.id);
          conn.write("hello\n");
        },
      };
      await withListener(
        rt,
        { tls: { ...TEST_TLS.localhost, handshakeTimeoutMs: 300 } },
        handler,
        async (l) => {
          const t0 = performance.now();
          await raw(rt, l.port);
          const waited = performance.now() - t0;
          assert.ok(
            waited >= 250,
            `closed after ${Math.round(waited)} ms, before the 300 ms handshake timeout`,
          );
          await until(() => (l.stats().errors.TRI_ERR_TLS_HANDSHAKE ?? 0) >= 1, "the timeout counted");
          assert.equal(opened.length, 0);
          assert.equal((await probe(l.port)).cn, "localhost", "the listener still serves");
          assert.equal(opened.length, 1);
        },
      );
    },
  },
  {
    name: "TL4 sni",
    async run(rt) {
      const certs = [
        { ...TEST_TLS.localhost, serverName: "localhost" },
        { ...TEST_TLS.other, serverName: "other.test" },
        { ...TEST_TLS.other, serverName: "*.wild.test" },
      ];
      await withListener(rt, { tls: certs }, greeter, async (l) => {
        if (rt.capabilities.tlsSni !== true) {
          // The runtime's reason is the data; what it serves instead is still defined: the first.
          assert.equal((await probe(l.port, { servername: "other.test" })).cn, "localhost");
          assert.equal((await probe(l.port)).cn, "localhost");
          return;
        }
        assert.equal((await probe(l.port, { servername: "other.test" })).cn, "other.test");
        assert.equal(
          (await probe(l.port, { servername: "OTHER.test" })).cn,
          "other.test",
          "names are case-blind",
        );
        assert.equal(
          (await probe(l.port, { servername: "a.wild.test" })).cn,
          "other.test",
          "one-label wildcard",
        );
        assert.equal((await probe(l.port, { servername: "localhost" })).cn, "localhost");
        assert.equal(
          (await probe(l.port, { servername: "nobody.test" })).cn,
          "localhost",
          "no match: the first",
        );
        assert.equal((await probe(l.port)).cn, "localhost", "no name: the first");
      });
    },
  },
  {
    name: "TL5 alpn",
    async run(rt) {
      const tlsOptions = { ...TEST_TLS.localhost, alpnProtocols: ["x-triloop", "http/1.1"] };
      await withListener(rt, { tls: tlsOptions }, greeter, async (l) => {
        assert.equal((await probe(l.port, { alpn: ["http/1.1"] })).alpn, "http/1.1");
        assert.equal((await probe(l.port, { alpn: ["x-triloop"] })).alpn, "x-triloop");
      });
      // serve() offers http/1.1.
      const server = await rt.serve({
        port: 0,
        hostname: HOST,
        engine: "kernel",
        tls: TEST_TLS.localhost,
        fetch: () => new Response("hello\n"),
      });
      try {
        assert.match(server.url, /^https:\/\//);
        const alpn = await new Promise<string | false | null>((resolve, reject) => {
          const s = tls.connect({
            host: HOST,
            port: server.port,
            ca: TEST_TLS.ca,
            ALPNProtocols: ["http/1.1"],
          }, () => {
            resolve(s.alpnProtocol);
            s.destroy();
          });
          s.once("error", reject);
        });
        assert.equal(alpn, "http/1.1");
      } finally {
        await server.close({ graceMs: 0 });
      }
    },
  },
  {
    name: "TL6 reload",
    async run(rt) {
      await withListener(rt, { tls: TEST_TLS.localhost }, greeter, async (l) => {
        const before = await probeOpen(l.port);
        assert.equal(before.cn, "localhost");
        await l.reloadTls(TEST_TLS.reloaded);
        assert.equal((await probe(l.port)).cn, "reloaded localhost", "a handshake after the reload");
        before.socket.write("after reload\n");
        assert.equal(await before.line(), "after reload", "the connection opened before goes on");
        await assert.rejects(
          l.reloadTls({ cert: TEST_TLS.localhost.cert, key: TEST_TLS.other.key }),
          (err) => {
            assert.ok(isTriloopError(err, "TRI_ERR_TLS_CONFIG"), String(err));
            return true;
          },
        );
        assert.equal((await probe(l.port)).cn, "reloaded localhost", "a failed reload keeps the certificate");
        before.socket.write("still\n");
        assert.equal(await before.line(), "still");
        before.socket.destroy();
      });
      const plain = await rt.listen({ hostname: HOST, port: 0 }, greeter);
      await assert.rejects(
        plain.reloadTls(TEST_TLS.localhost),
        (err) => isTriloopError(err, "TRI_ERR_INVALID_ARG"),
      );
      await plain.close();
    },
  },
  {
    name: "TL7 bad-config",
    async run(rt) {
      const bad = async (tlsOptions: Parameters<Runtime["listen"]>[0]["tls"], what: string) => {
        await assert.rejects(rt.listen({ hostname: HOST, port: 0, tls: tlsOptions }, greeter), (err) => {
          assert.ok(isTriloopError(err, "TRI_ERR_TLS_CONFIG"), `${what}: ${err}`);
          return true;
        });
      };
      await bad({ cert: "not a certificate", key: TEST_TLS.localhost.key }, "not PEM");
      await bad(
        { cert: TEST_TLS.localhost.cert, key: TEST_TLS.other.key },
        "a key that is not the certificate's",
      );
      await bad(
        { cert: TEST_TLS.localhost.cert, key: TEST_TLS.encryptedKey, passphrase: "wrong" },
        "a wrong passphrase",
      );
      await bad([], "no certificate");
      // The right passphrase serves.
      await withListener(
        rt,
        {
          tls: { cert: TEST_TLS.localhost.cert, key: TEST_TLS.encryptedKey, passphrase: TEST_TLS.passphrase },
        },
        greeter,
        async (l) => assert.equal((await probe(l.port)).cn, "localhost"),
      );
      await assert.rejects(
        rt.serve({ port: 0, hostname: HOST, tls: { cert: "x", key: "y" }, fetch: () => new Response() }),
        (err) => isTriloopError(err, "TRI_ERR_TLS_CONFIG"),
      );
    },
  },
];

/** A node:tls connection that stays open: its CN, and a reader of its next line. */
async function probeOpen(port: number) {
  const socket = tls.connect({ host: HOST, port, ca: TEST_TLS.ca });
  socket.setEncoding("utf8");
  let buffered = "";
  let wake: (() => void) | undefined;
  socket.on("data", (t: string) => {
    buffered += t;
    wake?.();
  });
  await new Promise<void>((resolve, reject) => {
    socket.once("secureConnect", () => resolve());
    socket.once("error", reject);
  });
  const line = async (): Promise<string> => {
    while (!buffered.includes("\n")) await new Promise<void>((r) => (wake = r));
    const at = buffered.indexOf("\n");
    const text = buffered.slice(0, at);
    buffered = buffered.slice(at + 1);
    return text;
  };
  assert.equal(await line(), "hello");
  const cn = socket.getPeerCertificate().subject?.CN;
  return { socket, line, cn: Array.isArray(cn) ? cn[0] : cn };
}
