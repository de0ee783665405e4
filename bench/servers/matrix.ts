/**
 * The server matrix: every server the bench can start, as data. triloop's
 * servers are just more entries — started the way `triloop serve` starts
 * them (`cli/run-entry.ts <entry> --engine … --loops …` under the runtime,
 * its build in dist/ when triloop is installed from npm),
 * without the launcher's extra Node process, whose memory would otherwise
 * count as the server's.
 *
 * @module
 */

import { existsSync } from "node:fs";
import { join, relative } from "node:path";
import { RUN_ENTRY, type RuntimeInfo } from "../../cli/runtimes.mjs";

/**
 * A file of the repository's lab: the peers, the ceilings, the raw TCP
 * servers and the bench's own apps live in `lab/`, which the package does not
 * ship. The bench runs them by path as servers of their own and imports
 * nothing from there; installed from npm, it finds none and measures triloop.
 */
export function labFile(root: string, ...path: string[]): string {
  return join(root, "lab", ...path);
}

/** `node`, `node24`, `bun` or `deno`. */
export type RuntimeId = RuntimeInfo["id"];

/** What a server is, for grouping and colouring. */
export type Family = "triloop" | "framework" | "bare" | "ceiling" | "raw";

/** Which peers run beside triloop on a runtime. */
export type PeerSet = "all" | "min" | "none";

/** One server the bench can run. */
export interface ServerSpec {
  /** Unique key, `<runtime>/<name>`. */
  key: string;
  runtime: RuntimeId;
  /** Short label, e.g. `triloop kernel`, `Hono on Bun.serve`. */
  name: string;
  family: Family;
  /** What it speaks. */
  protocol: "http" | "resp" | "echo" | "ws";
  /** The TypeScript file run under the runtime, and its arguments (without --port). */
  script: string;
  args: string[];
  /** Loops (event loops / cores) it runs; 1 unless a triloop row asks for more. */
  loops: number;
  /** The reference of the ratio columns on its runtime. */
  baseline?: boolean;
  /** Why it is not run, when it is not. */
  skip?: string;
}

/** The kernel serving `lab/plain.ts`, the bench's routes with no framework. */
export const KERNEL_NO_FRAMEWORK = "triloop kernel, no framework";

/** Options of {@link httpMatrix}. */
export interface HttpMatrixOptions {
  root: string;
  /** The app under test (a fetch entry, e.g. `examples/hello-hono.ts`). */
  entry: string;
  runtimes: RuntimeId[];
  engines: ("kernel" | "native")[];
  loops: number[];
  /** Per runtime: `all` peers, `min` (the runtime's baseline and the ceiling), or `none`. */
  peers: Partial<Record<RuntimeId, PeerSet>>;
  /** Why triloop's HTTP servers cannot run yet, if they cannot. */
  triloopSkip?: string;
  /** Serve TLS: triloop's two engines only (the native one is the runtime's own TLS server). */
  tls?: boolean;
}

/**
 * The TLS scenarios' certificate and CA: the repository's test keys (never
 * for anything else; the npm package does not ship them).
 */
export function benchTls(root: string): { cert: string; key: string; ca: string } {
  const dir = join(root, "tests", "fixtures", "tls");
  return { cert: join(dir, "localhost.pem"), key: join(dir, "localhost.key"), ca: join(dir, "ca.pem") };
}

/** The HTTP servers: triloop's rows and the peers, runtime by runtime. */
export function httpMatrix(o: HttpMatrixOptions): ServerSpec[] {
  const out: ServerSpec[] = [];
  const peer = (file: string) => labFile(o.root, "peers", file);
  const plainApp = labFile(o.root, "plain.ts");
  for (const rt of o.runtimes) {
    const kind = rt === "node24" ? "node" : rt;
    const certs = benchTls(o.root);
    const tlsArgs = o.tls ? ["--tls-cert", certs.cert, "--tls-key", certs.key] : [];
    const triloop = (name: string, entry: string, engine: string, loops: number) =>
      out.push({
        key: `${rt}/${name}`,
        runtime: rt,
        name,
        family: "triloop",
        protocol: "http",
        script: RUN_ENTRY,
        args: [entry, "--engine", engine, ...(loops > 1 ? ["--loops", String(loops)] : []), ...tlsArgs],
        loops,
        skip: o.triloopSkip ?? missing(o.root, entry) ?? (o.tls ? missing(o.root, certs.cert) : undefined),
      });
    for (const engine of o.engines) {
      for (const loops of o.loops) {
        triloop(`triloop ${engine}` + (loops > 1 ? ` ×${loops}` : ""), o.entry, engine, loops);
      }
    }
    const peers = o.tls ? "none" : o.peers[rt] ?? "all";
    if (peers === "none") continue;
    const app = ["--app", o.entry];
    const add = (name: string, family: Family, file: string, args: string[], baseline = false) =>
      out.push({
        key: `${rt}/${name}`,
        runtime: rt,
        name,
        family,
        protocol: "http",
        script: peer(file),
        args,
        loops: 1,
        baseline,
        skip: missing(o.root, peer(file)),
      });
    // With all peers, the same routes with no framework (lab/plain.ts), on
    // the kernel and on the runtime's own server: what each server costs
    // apart from the framework's work per request.
    const plain = ["--app", plainApp];
    if (peers === "all" && o.engines.includes("kernel")) triloop(KERNEL_NO_FRAMEWORK, plainApp, "kernel", 1);
    if (kind === "node") {
      if (peers === "all") add("node:http", "bare", "node-http.ts", []);
      add("Hono on @hono/node-server", "framework", "hono-node-server.ts", app, true);
      if (peers === "all") add("Hono on srvx", "framework", "hono-srvx.ts", app);
    } else if (kind === "bun") {
      if (peers === "all") add("Bun.serve, no framework", "bare", "hono-bun.ts", plain);
      add("Hono on Bun.serve", "framework", "hono-bun.ts", app, true);
    } else if (kind === "deno") {
      if (peers === "all") add("Deno.serve, no framework", "bare", "hono-deno.ts", plain);
      add("Hono on Deno.serve", "framework", "hono-deno.ts", app, true);
    }
    add("TCP minimal", "ceiling", `tcp.${kind}.ts`, []);
  }
  return out;
}

/** The TCP servers: triloop's RESP example and echo beside the raw ones. */
export function tcpMatrix(root: string, runtimes: RuntimeId[], what: ("resp" | "echo")[]): ServerSpec[] {
  const out: ServerSpec[] = [];
  for (const rt of runtimes) {
    const kind = rt === "node24" ? "node" : rt;
    for (const protocol of what) {
      const example = join(root, "examples", protocol === "resp" ? "resp-kv.ts" : "echo.ts");
      out.push({
        key: `${rt}/triloop ${protocol}`,
        runtime: rt,
        name: `triloop ${protocol === "resp" ? "resp-kv" : "echo"}`,
        family: "triloop",
        protocol,
        script: RUN_ENTRY,
        args: [example],
        loops: 1,
        skip: missing(root, example),
      });
      out.push({
        key: `${rt}/raw ${protocol}`,
        runtime: rt,
        name: `raw ${protocol} (${rawApi(kind)})`,
        family: "raw",
        protocol,
        script: labFile(root, "raw", `${protocol}.${kind}.ts`),
        args: [],
        loops: 1,
        baseline: true,
        skip: missing(root, labFile(root, "raw", `${protocol}.${kind}.ts`)),
      });
    }
  }
  return out;
}

/**
 * The WebSocket servers: triloop's kernel serving the bench's WebSocket app
 * (`lab/ws-app.ts`), beside each runtime's own WebSocket server doing the
 * same (`lab/peers/ws.*.ts`: `ws` on Node, `Bun.serve`'s websocket,
 * `Deno.upgradeWebSocket`), the baseline of its runtime.
 */
export function wsMatrix(
  root: string,
  runtimes: RuntimeId[],
  engines: ("kernel" | "native")[],
  withCeiling = false,
): ServerSpec[] {
  const out: ServerSpec[] = [];
  const app = labFile(root, "ws-app.ts");
  for (const rt of runtimes) {
    const kind = rt === "node24" ? "node" : rt;
    for (const engine of engines) {
      out.push({
        key: `${rt}/triloop ${engine} ws`,
        runtime: rt,
        name: `triloop ${engine}`,
        family: "triloop",
        protocol: "ws",
        script: RUN_ENTRY,
        args: [app, "--engine", engine],
        loops: 1,
        skip: missing(root, app),
      });
    }
    const peer = labFile(root, "peers", `ws.${kind}.ts`);
    out.push({
      key: `${rt}/native ws`,
      runtime: rt,
      name: kind === "node"
        ? "ws (npm) on node:http"
        : kind === "bun"
        ? "Bun.serve websocket"
        : "Deno.upgradeWebSocket",
      family: "bare",
      protocol: "ws",
      script: peer,
      args: [],
      loops: 1,
      baseline: true,
      skip: missing(root, peer),
    });
    if (!withCeiling) continue;
    // The raw echo sends the client's frames back as they came: the same
    // bytes each way as a WebSocket echo, with no WebSocket work at all.
    const raw = labFile(root, "raw", `echo.${kind}.ts`);
    out.push({
      key: `${rt}/TCP echo of the frames`,
      runtime: rt,
      name: "TCP echo of the frames",
      family: "ceiling",
      protocol: "echo",
      script: raw,
      args: [],
      loops: 1,
      skip: missing(root, raw),
    });
  }
  return out;
}

/** Why a server cannot run: its file is absent (the npm package ships no examples, peers or raw servers). */
function missing(root: string, file: string): string | undefined {
  return existsSync(file)
    ? undefined
    : `${relative(root, file)} is not here (it runs from a checkout of triloop)`;
}

function rawApi(kind: string): string {
  return kind === "node" ? "node:net" : kind === "bun" ? "Bun.listen" : "Deno.listen";
}
