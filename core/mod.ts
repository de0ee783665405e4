/**
 * The runtime-neutral half of triloop's public API: what every entry point
 * (`triloop`, `triloop/node`, `triloop/bun`, `triloop/deno`) exports beside
 * its `runtime`. Everything else in core/ is internal; the surface is written
 * down in `api/triloop.api.md` and checked by `npm test`.
 *
 * @example Tell a full pool from other failures
 * ```ts
 * import { isTriloopError } from "./mod.ts";
 * function statusOf(err: unknown): number {
 *   return isTriloopError(err, "TRI_ERR_POOL_FULL") ? 503 : 500;
 * }
 * statusOf(new Error("boom"));
 * ```
 *
 * @module
 */

export { type ErrorCode, ErrorCodes, isTriloopError, TriloopError } from "./errors.ts";
export { type ConnInfo, getConnInfo } from "./fetch/conn-info.ts";
export { currentLoop } from "./loops/context.ts";
export { withTransfer } from "./pool/transfer.ts";
export { startWatchdog } from "./watchdog.ts";
export type {
  BinaryType,
  PerMessageDeflate,
  ServerWebSocket,
  UpgradeOptions,
  WebSocketHandler,
  WebSocketServer,
  WsData,
  WsMessage,
  WsStats,
} from "./ws/types.ts";
export type {
  Capabilities,
  ClientTls,
  Conn,
  ConnectOptions,
  ConnOptions,
  FetchHandler,
  HttpLimits,
  Listener,
  ListenerStats,
  ListenOptions,
  LoopInfo,
  LoopsOptions,
  LoopsStats,
  LoopState,
  LoopStatus,
  ParentPort,
  Pool,
  PoolOptions,
  PoolStats,
  ProxyOptions,
  RespawnOptions,
  RunOptions,
  Runtime,
  ServeInfo,
  ServeOptions,
  Server,
  ServerStats,
  ServerTls,
  ShutdownReport,
  SocketHandler,
  SpawnOptions,
  Stall,
  TaskInput,
  TaskModule,
  TaskName,
  TaskResult,
  TlsCertificate,
  TlsOptions,
  Transferred,
  Watchdog,
  WatchdogOptions,
  WatchdogStats,
  WorkerExit,
  WorkerHandle,
  WorkerHandler,
} from "./types.ts";
