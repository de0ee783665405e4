// TLS as users get it, on every runtime: `triloop serve --tls-cert … app.ts`
// from a folder outside the repository, against curl --cacert, openssl
// s_client (versions, SNI) and SIGHUP reloads; only 127.0.0.1, each step
// bounded. A missing tool is a skip with the reason.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { copyFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as tls from "node:tls";
import { afterAll, beforeAll, describe, it } from "vitest";
import { runtimes } from "../conformance/_spawn.ts";
import { TEST_TLS } from "../conformance/_tls.ts";
import { type Project, project, serve, triloop } from "./_cli.ts";
import type { LoopsServer } from "./_loops-server.ts";
import { findTool } from "./_server.ts";

const FIXTURES = join(import.meta.dirname, "..", "fixtures", "tls");
const noCurl = findTool("curl") === undefined ? "curl is not installed" : undefined;
const noOpenssl = findTool("openssl") === undefined ? "openssl is not installed" : undefined;

/** Where each runtime's kernel serves SNI (as its `capabilities.tlsSni` says; TL4 checks the capability itself). */
const SERVES_SNI: Record<string, boolean> = { node: true, node24: true, bun: false, deno: false };

function run(
  tool: string,
  args: string[],
  input = "",
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(tool, args, { timeout: 20_000 }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === "number" ? err.code : 1, stdout, stderr });
    });
    child.stdin?.on("error", () => {});
    child.stdin?.end(input);
  });
}

/** `openssl s_client` against 127.0.0.1:`port`: the CN it was shown, the protocol, and whether it verified. */
async function sClient(port: number, args: string[]) {
  const r = await run("openssl", [
    "s_client",
    "-connect",
    `127.0.0.1:${port}`,
    "-CAfile",
    TEST_TLS.caPath,
    ...args,
  ]);
  const text = r.stdout + r.stderr;
  return {
    code: r.code,
    cn: /subject=.*?CN\s*=\s*([^,\n/]+)/.exec(text)?.[1].trim(),
    protocol: /New, (TLSv[\d.]+),/.exec(text)?.[1] ?? /Protocol\s*:\s*(\S+)/.exec(text)?.[1],
    text,
  };
}

const APP =
  `export default { fetch: (req) => new Response("hello " + new URL(req.url).protocol + "\\n") };\n`;
// An entry that brings its own certificates (SNI): read beside it.
const SNI_APP = `import { readFileSync } from "node:fs";
const read = (f) => readFileSync(new URL(f, import.meta.url), "utf8");
export default {
  tls: [
    { cert: read("localhost.pem"), key: read("localhost.key"), serverName: "localhost" },
    { cert: read("other.pem"), key: read("other.key"), serverName: "other.test" },
  ],
  fetch: () => new Response("sni\\n"),
};
`;

describe("a certificate that does not load", () => {
  it("fails the start in one line, TRI_ERR_TLS_CONFIG, exit 1, on every runtime (TL7)", async () => {
    const dir = project({ "app.ts": APP, "bad.pem": "not a certificate\n" });
    copyFileSync(join(FIXTURES, "other.key"), dir.path("other.key"));
    copyFileSync(join(FIXTURES, "localhost.pem"), dir.path("localhost.pem"));
    try {
      for (const rt of runtimes().filter((r) => r.available)) {
        for (const [cert, key] of [["bad.pem", "other.key"], ["localhost.pem", "other.key"]]) {
          const r = await triloop(
            ["serve", "app.ts", "--runtime", rt.id, "--port", "0", "--tls-cert", cert, "--tls-key", key],
            { cwd: dir.dir, timeoutMs: 30_000 },
          );
          const shown = `${rt.id} ${cert}: exit ${r.code}\n${r.stderr}${r.stdout}`;
          assert.equal(r.code, 1, shown);
          assert.match(r.stderr, /^triloop: .*The TLS certificate or key cannot be used/, shown);
          assert.doesNotMatch(r.stderr, /^\s+at /m, `no stack trace: ${shown}`);
        }
      }
    } finally {
      dir.remove();
    }
  }, 120_000);
});

for (const rt of runtimes()) {
  const title = `TLS from triloop serve on ${rt.id}`;
  if (!rt.available) {
    describe.skip(`${title} — skipped: ${rt.reason}`, () => it.skip("runtime not available", () => {}));
    continue;
  }
  describe(title, () => {
    let dir: Project;
    const servers: LoopsServer[] = [];
    const start = async (args: string[], entry = "app.ts") => {
      const s = serve([entry, "--runtime", rt.id, "--port", "0", ...args], { cwd: dir.dir });
      servers.push(s);
      return await s.ready();
    };
    const flags = ["--tls-cert", "cert.pem", "--tls-key", "key.pem"];
    beforeAll(() => {
      dir = project({ "app.ts": APP, "sni.ts": SNI_APP });
      for (
        const f of ["ca.pem", "localhost.pem", "localhost.key", "localhost.enc.key", "other.pem", "other.key"]
      ) {
        copyFileSync(join(FIXTURES, f), dir.path(f));
      }
      copyFileSync(join(FIXTURES, "localhost.pem"), dir.path("cert.pem"));
      copyFileSync(join(FIXTURES, "localhost.key"), dir.path("key.pem"));
    });
    afterAll(async () => {
      for (const s of servers) await s.kill();
      dir?.remove();
    });

    it.skipIf(noCurl !== undefined)(
      `curl --cacert, both engines${noCurl ? ` — skipped: ${noCurl}` : ""}`,
      async () => {
        for (const engine of ["kernel", "native"]) {
          const s = await start([...flags, "--engine", engine]);
          assert.match(listening(s), /^listening on https:\/\/127\.0\.0\.1:\d+ /);
          const r = await run("curl", [
            "-sS",
            "--cacert",
            dir.path("ca.pem"),
            `https://localhost:${s.port}/`,
          ]);
          assert.equal(r.stdout, "hello https:\n", `${engine}: ${r.stderr}`);
          const alpn = await run("curl", [
            "-sS",
            "-v",
            "--http1.1",
            "--cacert",
            dir.path("ca.pem"),
            `https://127.0.0.1:${s.port}/`,
          ]);
          assert.match(alpn.stderr, /ALPN.*http\/1\.1/i, `${engine} agrees http/1.1 by ALPN`);
          await s.kill();
        }
      },
      60_000,
    );

    it.skipIf(noOpenssl !== undefined)(
      `openssl s_client: TLS 1.2 and 1.3 served, 1.1 refused (TL8)${
        noOpenssl ? ` — skipped: ${noOpenssl}` : ""
      }`,
      async () => {
        const s = await start(flags);
        const v12 = await sClient(s.port, ["-tls1_2"]);
        assert.equal(v12.protocol, "TLSv1.2", v12.text);
        assert.equal(v12.cn, "localhost");
        assert.equal((await sClient(s.port, ["-tls1_3"])).protocol, "TLSv1.3");
        // The client offers TLS 1.1 whatever its own floor is (SECLEVEL=0); the server must refuse.
        const v11 = await sClient(s.port, ["-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0"]);
        assert.notEqual(v11.code, 0, `TLS 1.1 was accepted:\n${v11.text}`);
        await s.kill();
      },
      60_000,
    );

    it.skipIf(noOpenssl !== undefined)(
      `--tls-passphrase opens an encrypted key; --tls-ca is sent after the certificate${
        noOpenssl ? ` — skipped: ${noOpenssl}` : ""
      }`,
      async () => {
        const s = await start([
          "--tls-cert",
          "localhost.pem",
          "--tls-key",
          "localhost.enc.key",
          "--tls-passphrase",
          TEST_TLS.passphrase,
          "--tls-ca",
          "ca.pem",
        ]);
        const r = await sClient(s.port, ["-showcerts"]);
        assert.equal(r.cn, "localhost", r.text);
        // The chain as sent: the leaf (0), then what --tls-ca holds (1).
        assert.match(r.text, /^ 1 s:.*CN\s*=\s*triloop test CA/m, r.text);
        await s.kill();
      },
      60_000,
    );

    it.skipIf(noOpenssl !== undefined)(
      `openssl s_client -servername picks the SNI certificate (TL4)${
        noOpenssl ? ` — skipped: ${noOpenssl}` : ""
      }`,
      async () => {
        const s = await start([], "sni.ts");
        assert.match(listening(s), /^listening on https:/);
        const other = await sClient(s.port, ["-servername", "other.test"]);
        assert.equal(other.cn, SERVES_SNI[rt.id] ? "other.test" : "localhost", other.text);
        assert.equal((await sClient(s.port, ["-servername", "localhost"])).cn, "localhost");
        await s.kill();
      },
      60_000,
    );

    it("--loops 2: every loop serves TLS, and SIGHUP reaches every loop (TL6)", async () => {
      const s = await start([...flags, "--loops", "2"]);
      assert.match(listening(s), /^listening on https:/);
      const cns = async () => {
        const seen = new Set<string | undefined>();
        for (let i = 0; i < 8; i++) {
          const c = await keptConnection(s.port);
          seen.add(c.cn);
          c.socket.destroy();
        }
        return seen;
      };
      assert.deepEqual([...await cns()], ["localhost"]);
      copyFileSync(join(FIXTURES, "reloaded.pem"), dir.path("cert.pem"));
      copyFileSync(join(FIXTURES, "reloaded.key"), dir.path("key.pem"));
      s.signal("SIGHUP");
      await s.waitFor(/^tls reloaded$/, 10_000);
      // Each loop reloads on its own (Bun and Deno bind again): a moment later every one has.
      let seen = await cns();
      for (let i = 0; i < 50 && (seen.size !== 1 || !seen.has("reloaded localhost")); i++) {
        await new Promise((r) => setTimeout(r, 100));
        seen = await cns();
      }
      assert.deepEqual([...seen], ["reloaded localhost"]);
      copyFileSync(join(FIXTURES, "localhost.pem"), dir.path("cert.pem"));
      copyFileSync(join(FIXTURES, "localhost.key"), dir.path("key.pem"));
      await s.kill();
    }, 60_000);

    it("SIGHUP reloads the files; an open connection goes on; a bad file keeps the old (TL6)", async () => {
      const s = await start(flags);
      const before = await keptConnection(s.port);
      assert.equal(before.cn, "localhost");
      copyFileSync(join(FIXTURES, "reloaded.pem"), dir.path("cert.pem"));
      copyFileSync(join(FIXTURES, "reloaded.key"), dir.path("key.pem"));
      s.signal("SIGHUP");
      await s.waitFor(/^tls reloaded$/, 10_000);
      assert.equal((await keptConnection(s.port)).cn, "reloaded localhost");
      assert.equal(await before.get(), "hello https:\n", "the connection opened before the reload");
      // A file that does not load: said on stderr, and the reloaded certificate stays.
      writeFileSync(dir.path("cert.pem"), "not a certificate\n");
      s.signal("SIGHUP");
      await s.waitFor(/TLS reload failed, the old certificate stays/, 10_000);
      assert.equal((await keptConnection(s.port)).cn, "reloaded localhost");
      assert.equal(await before.get(), "hello https:\n");
      before.socket.destroy();
      copyFileSync(join(FIXTURES, "localhost.pem"), dir.path("cert.pem"));
      copyFileSync(join(FIXTURES, "localhost.key"), dir.path("key.pem"));
      s.signal("SIGTERM");
      assert.equal((await s.exited).code, 0, s.output());
    }, 60_000);
  });
}

/** The server's "listening on" line (a loaded machine may log a stall before it). */
function listening(s: LoopsServer): string {
  return s.lines.find((l) => l.text.startsWith("listening on"))?.text ?? s.output();
}

/** A keep-alive HTTPS connection: the certificate it got, and a GET on it. */
async function keptConnection(port: number) {
  const socket = tls.connect({ host: "127.0.0.1", port, ca: TEST_TLS.ca });
  await new Promise<void>((resolve, reject) => {
    socket.once("secureConnect", () => resolve());
    socket.once("error", reject);
  });
  const cn = socket.getPeerCertificate().subject?.CN;
  const get = () =>
    new Promise<string>((resolve, reject) => {
      let got = "";
      const onData = (d: Buffer) => {
        got += d.toString("latin1");
        const head = got.indexOf("\r\n\r\n");
        const length = /content-length: (\d+)/i.exec(got)?.[1];
        if (head >= 0 && length !== undefined && got.length >= head + 4 + Number(length)) {
          socket.off("data", onData);
          resolve(got.slice(head + 4));
        }
      };
      socket.on("data", onData);
      socket.once("error", reject);
      socket.write("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");
    });
  return { socket, cn: Array.isArray(cn) ? cn[0] : cn, get };
}
