// PX2 with TLS on Node: the PROXY header is read on the raw socket before the
// TLS handshake (TLS passthrough at the balancer, TLS at the node), for
// listen() and both HTTP engines; with the header and the ClientHello in
// one segment too. Bun's and Deno's TLS listeners decrypt first: there the
// pair is refused (checked in tests/conformance/deploy-suite.ts).
import * as net from "node:net";
import * as tls from "node:tls";
import { afterEach, describe, expect, it } from "vitest";
import { runtime } from "../../adapters/node/mod.ts";
import { v2Header } from "../conformance/_proxy-headers.ts";
import { TEST_TLS } from "../conformance/_tls.ts";

const CLIENT: [string, number] = ["203.0.113.7", 40123];
const FRONT: [string, number] = ["198.51.100.1", 443];
const stops: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

/** Sends the PROXY header, then speaks TLS on the same socket; `oneSegment` corks both into one write. */
function tlsAfterHeader(port: number, send: string, oneSegment: boolean): Promise<string> {
  return new Promise((done, fail) => {
    const raw = net.connect({ host: "127.0.0.1", port }, () => {
      if (oneSegment) raw.cork();
      raw.write(v2Header({ source: CLIENT, destination: FRONT }));
      const start = () => {
        const secure = tls.connect({ socket: raw, ca: TEST_TLS.ca, servername: "localhost" }, () => {
          secure.write(send);
        });
        let text = "";
        secure.setEncoding("utf8").on("data", (t: string) => (text += t));
        secure.on("end", () => done(text));
        secure.on("error", fail);
        if (oneSegment) process.nextTick(() => raw.uncork());
      };
      if (oneSegment) start();
      else setTimeout(start, 50);
    });
    raw.on("error", fail);
  });
}

describe("PROXY before TLS on Node", () => {
  for (const oneSegment of [false, true]) {
    const how = oneSegment ? "in one segment with the ClientHello" : "then the handshake";
    it(`PX2 listen(): the header ${how}; conn.remoteAddress is the client`, async () => {
      const listener = await runtime.listen(
        { hostname: "127.0.0.1", port: 0, proxyProtocol: "v2", tls: TEST_TLS.localhost },
        {
          data(conn) {
            conn.end(`${conn.remoteAddress} ${conn.remotePort}\n`);
          },
        },
      );
      stops.push(() => listener.close({ force: true }));
      expect(await tlsAfterHeader(listener.port, "hi\n", oneSegment)).toBe("203.0.113.7 40123\n");
    });

    for (const engine of ["kernel", "native"] as const) {
      it(`PX2 serve() ${engine}: the header ${how}; info.remoteAddr is the client`, async () => {
        const server = await runtime.serve({
          hostname: "127.0.0.1",
          port: 0,
          engine,
          watchdog: false,
          proxyProtocol: "v2",
          tls: TEST_TLS.localhost,
          fetch: (_req, info) => new Response(`${info.remoteAddr.hostname} ${info.remoteAddr.port}`),
        });
        stops.push(() => server.close({ graceMs: 0 }));
        const text = await tlsAfterHeader(
          server.port,
          "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
          oneSegment,
        );
        expect(text).toMatch(/^HTTP\/1\.1 200/);
        expect(text.endsWith("203.0.113.7 40123")).toBe(true);
      });
    }
  }
});
