/**
 * The scenarios: what load each run puts on a server. HTTP scenarios become a
 * prebuilt request batch for the built-in generator (or a wrk command); the
 * TCP ones are RESP ops and idle connections.
 *
 * @module
 */

/** Scenario ids. */
export type ScenarioId =
  | "hello"
  | "json"
  | "pipelined"
  | "upload"
  | "slow"
  | "churn"
  | "tls"
  | "tls-handshake"
  | "resp"
  | "idle"
  | "idle-ws"
  | "ws-echo"
  | "ws-fanout";

/** One HTTP scenario. */
export interface HttpScenario {
  id: Exclude<ScenarioId, "resp" | "idle" | "idle-ws" | "ws-echo" | "ws-fanout">;
  kind: "http";
  title: string;
  method: "GET" | "POST";
  path: string;
  /** Request body bytes (sent with Content-Length). */
  bodyBytes: number;
  /** Requests per batch (pipelining depth). */
  depth: number;
  /** A new connection per request (`Connection: close`). */
  churn: boolean;
  /** Client read rate per connection (slow reader). */
  readBytesPerSec?: number;
  /** Connections, when the scenario fixes its own. */
  connections?: number;
  /** The figure that headlines the scenario. */
  headline: "rps" | "peakRss";
  /**
   * Serve the bench's own app (`lab/app.ts`) instead of the entry under
   * test, on every server alike: the scenario needs a route the entry may not
   * have in that size (the examples' `/stream` is a few hundred bytes).
   */
  benchApp?: boolean;
  /**
   * Over TLS: every server of the run serves the test certificate
   * (tests/fixtures/tls: test keys only) and the generator trusts its CA.
   */
  tls?: boolean;
}

/** A TCP scenario. */
export interface TcpScenario {
  id: "resp" | "idle" | "idle-ws";
  kind: "resp" | "idle";
  title: string;
  /** What the idle connections speak. Default TCP (an echo server). */
  protocol?: "tcp" | "ws";
}

/** A WebSocket scenario, on the bench's WebSocket app (`lab/ws-app.ts`) and the peers'. */
export interface WsScenario {
  id: "ws-echo" | "ws-fanout";
  kind: "ws";
  title: string;
}

export type Scenario = HttpScenario | TcpScenario | WsScenario;

const http = (
  s:
    & Omit<HttpScenario, "kind" | "bodyBytes" | "depth" | "churn" | "method" | "headline">
    & Partial<HttpScenario>,
): HttpScenario => ({
  kind: "http",
  method: "GET",
  bodyBytes: 0,
  depth: 1,
  churn: false,
  headline: "rps",
  ...s,
});

/** Every scenario, by id. */
export const SCENARIOS: Record<ScenarioId, Scenario> = {
  hello: http({ id: "hello", title: "hello (text)", path: "/" }),
  json: http({ id: "json", title: "json", path: "/json" }),
  pipelined: http({ id: "pipelined", title: "pipelined ×16", path: "/", depth: 16 }),
  upload: http({ id: "upload", title: "upload 64 KiB", method: "POST", path: "/echo", bodyBytes: 64 * 1024 }),
  slow: http({
    id: "slow",
    title: "slow reader",
    path: "/stream",
    readBytesPerSec: 1024 * 1024,
    connections: 16,
    headline: "peakRss",
    benchApp: true,
  }),
  churn: http({ id: "churn", title: "connection churn", path: "/", churn: true }),
  // TLS: requests per second on kept connections, and new handshakes per
  // second (a full handshake per request: Connection: close, no resumption).
  tls: http({ id: "tls", title: "TLS keep-alive", path: "/", tls: true }),
  "tls-handshake": http({
    id: "tls-handshake",
    title: "TLS handshakes",
    path: "/",
    churn: true,
    tls: true,
  }),
  resp: { id: "resp", kind: "resp", title: "RESP ops (pipelined ×16)" },
  idle: { id: "idle", kind: "idle", title: "idle connections" },
  "idle-ws": { id: "idle-ws", kind: "idle", title: "idle WebSocket connections", protocol: "ws" },
  "ws-echo": { id: "ws-echo", kind: "ws", title: "WebSocket echo" },
  "ws-fanout": { id: "ws-fanout", kind: "ws", title: "WebSocket fan-out" },
};

/** Parses a comma list of scenario ids. */
export function parseScenarios(list: string): Scenario[] {
  return list.split(",").filter(Boolean).map((id) => {
    const s = SCENARIOS[id as ScenarioId];
    if (s === undefined) {
      throw new TypeError(`Unknown scenario '${id}'; use ${Object.keys(SCENARIOS).join(", ")}`);
    }
    return s;
  });
}

const enc = new TextEncoder();

/** One request of `s`, as bytes, for a server at `host:port`. */
export function requestBytes(s: HttpScenario, host: string, port: number): Uint8Array {
  const head = `${s.method} ${s.path} HTTP/1.1\r\nHost: ${host}:${port}\r\n` +
    (s.bodyBytes > 0 ? `Content-Type: application/octet-stream\r\nContent-Length: ${s.bodyBytes}\r\n` : "") +
    (s.churn ? "Connection: close\r\n" : "") + "\r\n";
  const h = enc.encode(head);
  const out = new Uint8Array(h.length + s.bodyBytes);
  out.set(h, 0);
  out.fill(0x62, h.length);
  return out;
}

/** `depth` copies of `one`, back to back: one pipelined batch. */
export function batchOf(one: Uint8Array, depth: number): Uint8Array {
  const out = new Uint8Array(one.length * depth);
  for (let i = 0; i < depth; i++) out.set(one, i * one.length);
  return out;
}

/** The commands of one RESP batch: PING, SET, GET, INCR in turn, `depth` in all. */
export function respBatch(depth: number): Uint8Array {
  const cmd = (...args: string[]) =>
    `*${args.length}\r\n` + args.map((a) => `$${enc.encode(a).length}\r\n${a}\r\n`).join("");
  const cycle = [cmd("PING"), cmd("SET", "key:1", "xxx"), cmd("GET", "key:1"), cmd("INCR", "counter:1")];
  let text = "";
  for (let i = 0; i < depth; i++) text += cycle[i % cycle.length];
  return enc.encode(text);
}
