/**
 * The TLS tests' certificates (tests/fixtures/tls: TEST KEYS ONLY, made by
 * its make.sh) and a runtime whose listeners and connections all speak TLS,
 * so a suite written for TCP runs again over TLS unchanged (TL1).
 *
 * @module
 */

import { readFileSync } from "node:fs";
import type { ClientTls, Runtime, ServerTls, TlsCertificate } from "../../core/types.ts";

const DIR = new URL("../fixtures/tls/", import.meta.url);
const read = (name: string) => readFileSync(new URL(name, DIR), "utf8");

/** The test CA and its certificates (a leaf for localhost / 127.0.0.1 / ::1, another, and one for other.test). */
export const TEST_TLS = {
  caPath: new URL("ca.pem", DIR).pathname,
  ca: read("ca.pem"),
  localhost: { cert: read("localhost.pem"), key: read("localhost.key") } satisfies TlsCertificate,
  /** The same names, another certificate (CN "reloaded localhost"): tells a reload happened. */
  reloaded: { cert: read("reloaded.pem"), key: read("reloaded.key") } satisfies TlsCertificate,
  /** other.test and *.wild.test. */
  other: { cert: read("other.pem"), key: read("other.key") } satisfies TlsCertificate,
  /** localhost.key encrypted with `passphrase`. */
  encryptedKey: read("localhost.enc.key"),
  passphrase: "triloop-test",
};

/** `rt` with `tls` on every `listen` and `connect` that does not set its own. */
export function overTls(
  rt: Runtime,
  server: ServerTls = TEST_TLS.localhost,
  client: ClientTls = { ca: TEST_TLS.ca },
): Runtime {
  return {
    ...rt,
    listen: (o, h) => rt.listen({ ...o, tls: o.tls ?? server }, h),
    connect: (o, h) => rt.connect({ ...o, tls: o.tls ?? client }, h),
  };
}
