// TLS quality (TL8), checked by testssl.sh as operators check a server: the
// kernel engine's TLS on every runtime, its fast protocol and cipher-category
// checks only (`--fast -p -s`, against 127.0.0.1, bounded). No protocol below
// TLS 1.2, and no weak cipher category (NULL, anonymous, export, LOW, 3DES or
// IDEA); what else testssl.sh says is printed for the record. Skipped with the
// reason when testssl.sh is not installed (.ci/run installs it). One runtime
// at a time: a scan is hundreds of handshakes, and scans side by side on two
// cores run past their bound.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { copyFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, it } from "vitest";
import { runtimes } from "../conformance/_spawn.ts";
import { type Project, project, serve } from "./_cli.ts";
import type { LoopsServer } from "./_loops-server.ts";
import { findTool } from "./_server.ts";

const FIXTURES = join(import.meta.dirname, "..", "fixtures", "tls");
const testssl = findTool("testssl") ?? findTool("testssl.sh");
const missing = testssl === undefined
  ? "testssl.sh is not installed (Debian: apt-get install testssl.sh)"
  : undefined;

/** The findings that must read "not offered". */
const REFUSED = [
  "SSLv2",
  "SSLv3",
  "TLS1",
  "TLS1_1",
  "cipherlist_NULL",
  "cipherlist_aNULL",
  "cipherlist_EXPORT",
  "cipherlist_LOW",
  "cipherlist_3DES_IDEA",
];

interface Finding {
  id: string;
  severity: string;
  finding: string;
}

function scan(port: number, json: string): Promise<Finding[]> {
  return new Promise((resolve, reject) => {
    execFile(
      testssl!,
      [
        "--quiet",
        "--color",
        "0",
        "--warnings",
        "off",
        "--fast",
        "-p",
        "-s",
        "--jsonfile",
        json,
        `127.0.0.1:${port}`,
      ],
      { timeout: 200_000, maxBuffer: 8 << 20 },
      (err, stdout) => {
        try {
          resolve(JSON.parse(readFileSync(json, "utf8")) as Finding[]);
        } catch {
          reject(new Error(`testssl.sh wrote no JSON (${err?.message ?? "no error"}):\n${stdout}`));
        }
      },
    );
  });
}

describe.skipIf(missing !== undefined)(
  `testssl.sh against the kernel's TLS${missing ? ` — skipped: ${missing}` : ""}`,
  () => {
    let dir: Project;
    const servers: LoopsServer[] = [];
    beforeAll(() => {
      dir = project({ "app.ts": `export default { fetch: () => new Response("ok\\n") };\n` });
      copyFileSync(join(FIXTURES, "localhost.pem"), dir.path("cert.pem"));
      copyFileSync(join(FIXTURES, "localhost.key"), dir.path("key.pem"));
    });
    afterAll(async () => {
      for (const s of servers) await s.kill();
      dir?.remove();
    });
    for (const rt of runtimes()) {
      it.skipIf(!rt.available)(`${rt.id}: nothing below TLS 1.2, no weak cipher`, async () => {
        const s = serve([
          "app.ts",
          "--runtime",
          rt.id,
          "--port",
          "0",
          "--tls-cert",
          "cert.pem",
          "--tls-key",
          "key.pem",
        ], {
          cwd: dir.dir,
        });
        servers.push(s);
        await s.ready();
        const findings = await scan(s.port, dir.path(`${rt.id}.json`));
        const by = new Map(findings.map((f) => [f.id, f]));
        const fatal = findings.find((f) => f.severity === "FATAL");
        assert.equal(fatal, undefined, `testssl.sh failed: ${fatal?.finding}`);
        for (const id of REFUSED) {
          assert.match(by.get(id)?.finding ?? "(missing)", /not offered/, `${rt.id}: ${id}`);
        }
        assert.match(by.get("TLS1_2")?.finding ?? "(missing)", /^offered/, `${rt.id}: TLS 1.2`);
        console.log(
          `testssl.sh on ${rt.id}: ` +
            findings.filter((f) => /^(TLS|SSL|cipherlist_|ALPN)/.test(f.id)).map((f) =>
              `${f.id}=${f.finding}`
            ).join("; "),
        );
        await s.kill();
      }, 240_000);
    }
  },
);
