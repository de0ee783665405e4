// Before any test file: dist/ as the sources are now. The examples (which
// the e2e and conformance tests serve) import "triloop", and on Node and
// Bun that resolves to dist/ through the package's own exports; a run of
// one test file after an edit would otherwise serve last build's code.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import process from "node:process";

export default function setup(): void {
  const root = join(import.meta.dirname, "..");
  const r = spawnSync(process.execPath, ["--import", "tsx", "build.ts", "--if-stale"], {
    cwd: root,
    stdio: ["ignore", "inherit", "inherit"],
  });
  if (r.status !== 0) throw new Error(`build.ts --if-stale failed (exit ${r.status})`);
}
