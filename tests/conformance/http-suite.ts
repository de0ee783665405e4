/**
 * The HTTP conformance suite: every invariant of `Server` in `core/types.ts`
 * (H2–H12) as cases of the same name, and its `close()` and `stats()`, run black-box against the fixture
 * (`http-fixture.ts`) on every runtime and engine by `_http.ts`. H1
 * (same bytes on every runtime) compares runtimes, so it has its own test
 * (`http.same-bytes.test.ts`).
 *
 * @module
 */

import type { HttpCase } from "./_http-case.ts";
import { bodyCases } from "./_http-cases-body.ts";
import { connCases } from "./_http-cases-conn.ts";
import { framingCases } from "./_http-cases-framing.ts";
import { serverCases } from "./_http-cases-server.ts";

export type { HttpCase, HttpTarget } from "./_http-case.ts";

/** Every case; serial ones first, so they measure memory on a quiet server. */
export const httpSuite: HttpCase[] = [...bodyCases, ...framingCases, ...connCases, ...serverCases].sort(
  (a, b) => Number(b.serial ?? false) - Number(a.serial ?? false),
);
