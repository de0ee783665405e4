// @ts-self-types="./args.d.mts"
// The command line of `triloop serve`, defined once: the launcher
// (cli/triloop.mjs, plain JS on the machine's Node) and the entry runner
// (cli/run-entry.ts, on Node, Bun or Deno) both parse with it, through
// node:util's parseArgs in strict mode, which all three runtimes have.
// Every value is checked here, before anything starts; a bad one is a
// UsageError: one line for the user, exit code 2.

import { existsSync, statSync } from "node:fs";
import { isIP } from "node:net";
import { parseArgs } from "node:util";

/** The defaults, as `serve --help` lists them. */
export const DEFAULTS = Object.freeze({
  port: 3000,
  hostname: "127.0.0.1",
  engine: "auto",
  loopHost: "auto",
  grace: 10_000,
});

/** Runtime ids `--runtime` takes. */
export const RUNTIME_IDS = Object.freeze(["node", "node24", "bun", "deno"]);

// setTimeout takes at most 2^31 - 1 ms; a longer grace would fire at once.
const MAX_GRACE = 2 ** 31 - 1;

/** A mistake in what the user typed: printed as `triloop: <message>` plus a usage hint, exit 2. */
export class UsageError extends Error {
  /** @param {string} message @param {string} [hint] */
  constructor(message, hint = SERVE_HINT) {
    super(message);
    this.name = "UsageError";
    this.hint = hint;
  }
}

export const SERVE_HINT = "usage: triloop serve <entry> [options]   (triloop serve --help lists them)";
export const RUNTIMES_HINT = "usage: triloop runtimes [--node PATH] [--bun PATH] [--deno PATH]";
export const MAIN_HINT = "usage: triloop serve|runtimes|bench ...   (triloop --help)";

export const USAGE = `usage: triloop <command> [options]

  serve <entry>     runs an entry file under Node, Bun or Deno   (triloop serve --help)
  runtimes          lists the runtimes this install can run, and where each was found
                    [--node PATH] [--bun PATH] [--deno PATH]
  bench [<entry>]   the cross-runtime benchmark                  (triloop bench --help)`;

export const SERVE_HELP = `usage: triloop serve <entry> [options]

Runs <entry> under one runtime and prints "listening on <url>". Its default
export is a connection handler (an object with data(conn, bytes)) served over
TCP, or { fetch } (a Hono app, or any fetch handler) served over HTTP/1.1.

options                      [default]
  --port N                   port, 0..65535; 0 picks a free one           [3000]
  --hostname H               address to bind: IPv4, IPv6 (::, ::1) or a name
                                                                          [127.0.0.1]
  --runtime R                node | node24 | bun | deno                   [node]
  --node PATH, --bun PATH, --deno PATH
                             the runtime's binary; given alone, it also picks
                             the runtime          [found by triloop runtimes]
  --engine E                 kernel | native | auto, for HTTP             [auto: kernel]
  --loops N|auto             N loops (N >= 1), or one per core, on one port,
                             under a supervisor that respawns dead ones   [one loop]
  --loop-host H              thread | process | auto                      [auto]
  --grace MS                 how long a stop waits for in-flight work, ms [10000]
  --stats-port N             every loop's counters as JSON on this port   [none]
  --tls-cert FILE            serve TLS (HTTPS, or TLS for a TCP handler) with
                             this PEM certificate (its chain may follow)  [none]
  --tls-key FILE             the certificate's PEM private key (with --tls-cert)
  --tls-ca FILE              intermediate certificates, PEM, sent after it [none]
  --tls-passphrase P         the passphrase of an encrypted --tls-key     [none]
  --health-path P            answer P with 200 while serving, 503 once a stop
                             begins, for load balancers' checks           [none]
  --drain-delay MS           on SIGTERM, answer 503 on the health path and keep
                             serving this long before draining; longer than
                             the balancer's check interval × fall count   [0]
  --keep-alive-timeout MS    idle keep-alive connections close after this;
                             longer than the balancer's idle timeout      [5000]
  --proxy-protocol V         read a PROXY header (v1 | v2 | any) first on every
                             connection, from --trusted-proxies only      [off]
  --trusted-proxies LIST     addresses or CIDRs, comma-separated, allowed to
                             send it; others are refused    [127.0.0.0/8,::1]
  --trust-proxy N|LIST       believe Forwarded / X-Forwarded-For from N hops,
                             or from these CIDRs                          [off]
  -h, --help                 this text

Where the address comes from (the first that is set wins):
  1. --port, --hostname
  2. the entry's export: export default { port: 8080, hostname: "::", fetch }
  3. the environment: PORT, HOSTNAME
  4. the defaults: 3000, 127.0.0.1

TLS: SIGHUP reads the --tls-* files again and serves them from the next
handshake on; open connections go on. A file that does not load keeps the old
certificate (the reason is printed). TLS 1.2 is the lowest version served.

Stopping: SIGTERM or SIGINT (after --drain-delay, with --health-path answering
503 meanwhile) stops accepting, lets in-flight requests finish and
asks TCP handlers to end (their shutdown(conn), or conn.end()), for at most
--grace ms; then the rest are closed. A second signal forces at once. The
server also stops when this command dies, however it dies.

Exit codes: 0 stopped and drained; 3 stopped but forced (the grace ran out, or
a second signal); 2 a usage error or an entry that cannot load; 1 a failure
(could not listen, crashed, every loop crash-looping).`;

/** @type {Record<string, { type: "string" | "boolean", short?: string }>} */
const SERVE_OPTIONS = {
  port: { type: "string" },
  hostname: { type: "string" },
  runtime: { type: "string" },
  node: { type: "string" },
  bun: { type: "string" },
  deno: { type: "string" },
  engine: { type: "string" },
  loops: { type: "string" },
  "loop-host": { type: "string" },
  grace: { type: "string" },
  "stats-port": { type: "string" },
  "tls-cert": { type: "string" },
  "tls-key": { type: "string" },
  "tls-ca": { type: "string" },
  "tls-passphrase": { type: "string" },
  "proxy-protocol": { type: "string" },
  "trusted-proxies": { type: "string" },
  "trust-proxy": { type: "string" },
  "health-path": { type: "string" },
  "drain-delay": { type: "string" },
  "keep-alive-timeout": { type: "string" },
  help: { type: "boolean", short: "h" },
};

/** The flags the launcher hands on to the entry runner (the rest only pick the runtime). */
const PASSED_ON = [
  "port",
  "hostname",
  "engine",
  "loops",
  "loop-host",
  "grace",
  "stats-port",
  "tls-cert",
  "tls-key",
  "tls-ca",
  "tls-passphrase",
  "proxy-protocol",
  "trusted-proxies",
  "trust-proxy",
  "health-path",
  "drain-delay",
  "keep-alive-timeout",
];

/**
 * Parses and checks `triloop serve` arguments (everything after `serve`).
 * Throws {@link UsageError}. Unset flags stay undefined: the defaults and
 * the entry's export are applied later, in the documented order.
 *
 * @param {string[]} argv
 */
export function parseServeArgs(argv) {
  const { values, positionals } = strictParse(argv, SERVE_OPTIONS, SERVE_HINT);
  if (values.help) return { help: true, entry: "" };
  if (positionals.length === 0) throw new UsageError("serve needs an entry file");
  if (positionals.length > 1) {
    throw new UsageError(`serve takes one entry file, got ${positionals.map(quote).join(" ")}`);
  }
  const v = /** @type {Record<string, string | undefined>} */ (values);
  const paths = {
    node: v.node === undefined ? undefined : binary("--node", v.node),
    bun: v.bun === undefined ? undefined : binary("--bun", v.bun),
    deno: v.deno === undefined ? undefined : binary("--deno", v.deno),
  };
  return {
    help: false,
    entry: positionals[0],
    port: v.port === undefined ? undefined : port("--port", v.port),
    hostname: v.hostname === undefined ? undefined : hostname("--hostname", v.hostname),
    runtime: v.runtime === undefined ? undefined : oneOf("--runtime", v.runtime, RUNTIME_IDS),
    ...paths,
    engine: v.engine === undefined ? undefined : oneOf("--engine", v.engine, ["kernel", "native", "auto"]),
    loops: v.loops === undefined ? undefined : loops(v.loops),
    loopHost: v["loop-host"] === undefined
      ? undefined
      : oneOf("--loop-host", v["loop-host"], ["thread", "process", "auto"]),
    grace: v.grace === undefined ? undefined : integer("--grace", v.grace, 0, MAX_GRACE, "milliseconds"),
    statsPort: v["stats-port"] === undefined ? undefined : port("--stats-port", v["stats-port"]),
    ...tlsFlags(v),
    proxyProtocol: v["proxy-protocol"] === undefined
      ? undefined
      : oneOf("--proxy-protocol", v["proxy-protocol"], ["v1", "v2", "any"]),
    trustedProxies: v["trusted-proxies"] === undefined
      ? undefined
      : cidrs("--trusted-proxies", v["trusted-proxies"]),
    trustProxy: v["trust-proxy"] === undefined ? undefined : trustProxy(v["trust-proxy"]),
    healthPath: v["health-path"] === undefined ? undefined : healthPath(v["health-path"]),
    drainDelay: v["drain-delay"] === undefined
      ? undefined
      : integer("--drain-delay", v["drain-delay"], 0, MAX_GRACE, "milliseconds"),
    keepAliveTimeout: v["keep-alive-timeout"] === undefined
      ? undefined
      : integer("--keep-alive-timeout", v["keep-alive-timeout"], 1, MAX_GRACE, "milliseconds"),
  };
}

/** A comma-separated list of addresses or CIDRs (checked in full where they are used). */
function cidrs(name, text) {
  const items = text.split(",").map((s) => s.trim());
  for (const item of items) {
    const [addr, bits, more] = item.split("/");
    const max = isIP(addr) === 6 ? 128 : 32;
    if (
      more !== undefined || isIP(addr) === 0 ||
      (bits !== undefined && !(/^\d{1,3}$/.test(bits) && +bits <= max))
    ) {
      throw new UsageError(`${label(name, text)}: '${item}' is not an IP address or a CIDR network`);
    }
  }
  return items.join(",");
}

/** A hop count, or CIDRs. */
function trustProxy(text) {
  return /^\d+$/.test(text)
    ? integer("--trust-proxy", text, 0, 64, "a hop count")
    : cidrs("--trust-proxy", text);
}

function healthPath(text) {
  if (/^\/[^?#\s]*$/.test(text)) return text;
  throw new UsageError(`${label("--health-path", text)} is not a path such as /healthz`);
}

/**
 * `--tls-cert` and `--tls-key` come together; each file must exist (read
 * when serving, and again on SIGHUP).
 *
 * @param {Record<string, string | undefined>} v
 */
function tlsFlags(v) {
  const cert = v["tls-cert"];
  const key = v["tls-key"];
  if ((cert === undefined) !== (key === undefined)) {
    throw new UsageError(cert === undefined ? "--tls-key needs --tls-cert" : "--tls-cert needs --tls-key");
  }
  if (cert === undefined && (v["tls-ca"] !== undefined || v["tls-passphrase"] !== undefined)) {
    throw new UsageError(
      `${v["tls-ca"] !== undefined ? "--tls-ca" : "--tls-passphrase"} needs --tls-cert and --tls-key`,
    );
  }
  return {
    tlsCert: cert === undefined ? undefined : readable("--tls-cert", cert),
    tlsKey: key === undefined ? undefined : readable("--tls-key", key),
    tlsCa: v["tls-ca"] === undefined ? undefined : readable("--tls-ca", v["tls-ca"]),
    tlsPassphrase: v["tls-passphrase"],
  };
}

/** A file given by flag: it must exist and be a file. */
function readable(name, path) {
  let file = false;
  try {
    file = existsSync(path) && statSync(path).isFile();
  } catch {
    // unreadable: reported below
  }
  if (!file) throw new UsageError(`${name} ${quote(path)}: no such file`);
  return path;
}

/**
 * The arguments of `triloop runtimes`.
 *
 * @param {string[]} argv
 */
export function parseRuntimesArgs(argv) {
  const options = {
    node: SERVE_OPTIONS.node,
    bun: SERVE_OPTIONS.bun,
    deno: SERVE_OPTIONS.deno,
    help: SERVE_OPTIONS.help,
  };
  const { values, positionals } = strictParse(argv, options, RUNTIMES_HINT);
  if (positionals.length > 0) {
    throw new UsageError(`runtimes takes no argument, got ${quote(positionals[0])}`, RUNTIMES_HINT);
  }
  const v = /** @type {Record<string, string | undefined>} */ (values);
  return {
    help: values.help === true,
    node: v.node === undefined ? undefined : binary("--node", v.node, RUNTIMES_HINT),
    bun: v.bun === undefined ? undefined : binary("--bun", v.bun, RUNTIMES_HINT),
    deno: v.deno === undefined ? undefined : binary("--deno", v.deno, RUNTIMES_HINT),
  };
}

/**
 * The runtime `serve` runs: `--runtime`, else the one runtime whose binary
 * was given (`--bun PATH` alone means Bun), else `fallback`.
 *
 * @param {{ runtime?: string, node?: string, bun?: string, deno?: string }} args
 * @param {string} fallback
 */
export function chosenRuntime(args, fallback) {
  if (args.runtime !== undefined) return args.runtime;
  const given = ["node", "bun", "deno"].filter((k) => args[/** @type {"node"} */ (k)] !== undefined);
  return given.length === 1 ? given[0] : fallback;
}

/**
 * The checked flags as the entry runner takes them (`--name=value`, so no
 * value is ever read as a flag).
 *
 * @param {Record<string, unknown>} args what {@link parseServeArgs} returned
 */
export function passedOn(args) {
  const out = [];
  for (const flag of PASSED_ON) {
    const value = args[camel(flag)];
    if (value !== undefined) out.push(`--${flag}=${value}`);
  }
  return out;
}

/**
 * The address to serve on, in the documented order: flag, then the
 * entry's export, then `PORT` / `HOSTNAME`, then the default. Only the
 * environment is read here; the entry's export is applied where the entry
 * is loaded (core/loops/entry.ts), so `fallback` is what applies when the
 * entry exports nothing. A bad environment value is a UsageError.
 *
 * @param {{ port?: number, hostname?: string }} flags
 * @param {Record<string, string | undefined>} env
 */
export function addressFallback(flags, env) {
  return {
    port: flags.port !== undefined || env.PORT === undefined || env.PORT === ""
      ? DEFAULTS.port
      : port("PORT", env.PORT, "environment"),
    hostname: flags.hostname !== undefined || env.HOSTNAME === undefined || env.HOSTNAME === ""
      ? DEFAULTS.hostname
      : hostname("HOSTNAME", env.HOSTNAME, "environment"),
  };
}

/**
 * `scheme://host:port`, an IPv6 host in brackets (RFC 3986 §3.2.2).
 *
 * @param {string} scheme
 * @param {string} host
 * @param {number} portNumber
 */
export function displayUrl(scheme, host, portNumber) {
  return `${scheme}://${host.includes(":") ? `[${host}]` : host}:${portNumber}`;
}

// ---- checks --------------------------------------------------------------------

function strictParse(argv, options, hint) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: true });
  } catch (err) {
    throw new UsageError(describeParseError(err), hint);
  }
}

/** parseArgs' message, rewritten as one line (its own may take three). */
function describeParseError(err) {
  const e = /** @type {{ code?: string, message?: string }} */ (err);
  const message = String(e.message ?? err);
  // "Option '-h, --help' …" names the long form last.
  const flag = /'(?:-\w, )?(-[^' ]+)/.exec(message)?.[1] ?? "";
  if (e.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") return `unknown flag ${quote(flag)}`;
  if (e.code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
    if (/does not take an argument/.test(message)) return `${flag} takes no value`;
    if (/ambiguous/.test(message)) {
      return `${flag} needs a value, and the next argument looks like a flag (write ${flag}=<value> if it is the value)`;
    }
    return `${flag} needs a value`;
  }
  return message.split("\n")[0];
}

/** @param {string} name @param {string} text @param {string} [where] */
function port(name, text, where) {
  return integer(name, text, 0, 65535, "a port", where);
}

/**
 * @param {string} name @param {string} text @param {number} min @param {number} max
 * @param {string} what @param {string} [where]
 */
function integer(name, text, min, max, what, where) {
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (Number.isSafeInteger(n) && n >= min && n <= max) return n;
  const range = max === MAX_GRACE
    ? `a whole number of ${what} >= ${min}`
    : `${what}: an integer ${min}..${max}`;
  throw new UsageError(`${label(name, text, where)} is not ${range}`);
}

function loops(text) {
  if (text === "auto") return "auto";
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (Number.isSafeInteger(n) && n >= 1 && n <= 1024) return n;
  throw new UsageError(`${label("--loops", text)} is not 'auto' or a number of loops 1..1024`);
}

/** @param {string} name @param {string} text @param {readonly string[]} allowed */
function oneOf(name, text, allowed) {
  if (allowed.includes(text)) return text;
  throw new UsageError(`${label(name, text)} is not one of ${allowed.join(", ")}`);
}

/** An IP address, or a host name to resolve; `[::1]` is taken as `::1`. */
function hostname(name, text, where) {
  const bare = /^\[(.*)\]$/.exec(text)?.[1] ?? text;
  if (isIP(bare) !== 0) return bare;
  if (bare.length <= 253 && /^[A-Za-z0-9_]([A-Za-z0-9_.-]*)$/.test(bare)) return bare;
  throw new UsageError(`${label(name, text, where)} is not an IP address or a host name`);
}

/** A runtime binary given by flag: it must exist and be a file. */
function binary(name, path, hint = SERVE_HINT) {
  let file = false;
  try {
    file = existsSync(path) && statSync(path).isFile();
  } catch {
    // unreadable: reported below
  }
  if (!file) throw new UsageError(`${name} ${quote(path)}: no such file`, hint);
  return path;
}

function label(name, text, where) {
  return where === "environment" ? `${name}=${quote(text)} (from the environment)` : `${name} ${quote(text)}`;
}

function quote(text) {
  return `'${text}'`;
}

function camel(flag) {
  return flag.replace(/-(\w)/g, (_, c) => c.toUpperCase());
}
