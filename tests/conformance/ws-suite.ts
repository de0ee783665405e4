/**
 * The WebSocket conformance suite: the Autobahn testsuite's sections (1–7,
 * 9, 12, 13) as this project's own cases, and the API's invariants
 * (WS1–WS10 in `core/ws/types.ts`, WP in `core/ws/parser.ts`, WH in
 * `core/ws/handshake.ts`), run black-box against the fixture
 * (`ws-fixture.ts`) on every runtime and engine by `_ws.ts`. The kernel's
 * same bytes on every runtime are compared by `ws.same-bytes.test.ts`.
 *
 * @module
 */

import type { WsCase } from "./_ws-case.ts";
import { apiCases } from "./_ws-cases-api.ts";
import { closeCases } from "./_ws-cases-close.ts";
import { deflateCases } from "./_ws-cases-deflate.ts";
import { framingCases } from "./_ws-cases-framing.ts";
import { limitCases } from "./_ws-cases-limits.ts";
import { utf8Cases } from "./_ws-cases-utf8.ts";

export type { WsCase, WsTarget } from "./_ws-case.ts";

/** Every case; serial ones first. */
export const wsSuite: WsCase[] = [
  ...framingCases,
  ...utf8Cases,
  ...closeCases,
  ...limitCases,
  ...deflateCases,
  ...apiCases,
].sort(
  (a, b) => Number(b.serial ?? false) - Number(a.serial ?? false),
);
