export const DEFAULTS: Readonly<{
  port: number;
  hostname: string;
  engine: "auto";
  loopHost: "auto";
  grace: number;
}>;
export const RUNTIME_IDS: readonly ["node", "node24", "bun", "deno"];
export class UsageError extends Error {
  readonly hint: string;
  constructor(message: string, hint?: string);
}
export const SERVE_HINT: string;
export const RUNTIMES_HINT: string;
export const MAIN_HINT: string;
export const USAGE: string;
export const SERVE_HELP: string;

/** `triloop serve` arguments, checked; unset flags are undefined. */
export interface ServeArgs {
  help: boolean;
  entry: string;
  port?: number;
  hostname?: string;
  runtime?: "node" | "node24" | "bun" | "deno";
  node?: string;
  bun?: string;
  deno?: string;
  engine?: "kernel" | "native" | "auto";
  loops?: "auto" | number;
  loopHost?: "thread" | "process" | "auto";
  grace?: number;
  statsPort?: number;
  /** `--tls-cert` etc.: paths (checked to exist), and the passphrase. */
  tlsCert?: string;
  tlsKey?: string;
  tlsCa?: string;
  tlsPassphrase?: string;
  proxyProtocol?: "v1" | "v2" | "any";
  /** Comma-separated addresses or CIDRs. */
  trustedProxies?: string;
  /** A hop count, or comma-separated CIDRs. */
  trustProxy?: number | string;
  healthPath?: string;
  drainDelay?: number;
  keepAliveTimeout?: number;
}
export function parseServeArgs(argv: string[]): ServeArgs;
export function parseRuntimesArgs(
  argv: string[],
): { help: boolean; node?: string; bun?: string; deno?: string };
export function chosenRuntime(
  args: { runtime?: string; node?: string; bun?: string; deno?: string },
  fallback: string,
): string;
export function passedOn(args: ServeArgs): string[];
export function addressFallback(
  flags: { port?: number; hostname?: string },
  env: Record<string, string | undefined>,
): { port: number; hostname: string };
export function displayUrl(scheme: string, host: string, port: number): string;
