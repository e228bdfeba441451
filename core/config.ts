/**
 * The app's configuration from flags and `FLUXBOOK_*` environment variables (flags win).
 * With no publisher configured, `deno task start` runs the embedded demo publisher.
 */
import { flagValue, numberFlag, parseFlags, tcpEndpoint, UsageError } from "./flags.ts";
import { isLogLevel, type LogLevel } from "./log.ts";

export interface AppConfig {
  /** PUB endpoints to subscribe to, one per publisher; the REQ endpoint at the same index serves its backfills. */
  pubEndpoints: string[];
  reqEndpoints: string[];
  /** Topic prefixes to subscribe to ("" = everything). */
  topics: string[];
  /** Run the demo publisher in-process (the default when no publisher is configured). */
  demo: boolean;
  demoSymbols: string[];
  demoSpeed: number;
  db: string;
  host: string;
  port: number;
  logLevel: LogLevel;
  highWaterMark: number;
  heartbeatTimeoutMs: number;
  backoffInitialMs: number;
  backoffMaxMs: number;
  /** Bars kept in memory per (symbol, interval). */
  windowCapacity: number;
  /** A batch is committed when it holds this many rows or is this old, whichever comes first. */
  flushRows: number;
  flushMs: number;
}

export const DEFAULT_PUB = "tcp://127.0.0.1:5556";
export const DEFAULT_REQ = "tcp://127.0.0.1:5557";

export const USAGE = `Usage: deno task start [options]

  --pub ENDPOINT         publisher PUB endpoint (repeatable; default: the embedded demo on ${DEFAULT_PUB})
  --req ENDPOINT         publisher REP endpoint for backfills (one per --pub; default ${DEFAULT_REQ})
  --topics A,B           topic prefixes to subscribe to (default: all)
  --no-demo              do not start the embedded demo publisher
  --demo-symbols A,B     symbols the demo publishes (default: the sample set)
  --demo-speed N         demo replay speed, N x real time (default 60)
  --db PATH              DuckDB cache file (default data/cache.duckdb)
  --host HOST --port N   web server address (default 127.0.0.1:8000)
  --log-level LEVEL      debug, info, warn, error or silent (default info)
  --hwm N                SUB high-water mark in messages (default 10000)
  --heartbeat-timeout MS no message for this long marks the stream stale (default 3000)
  --window N             bars kept in memory per symbol and interval (default 2000)
  --flush-ms MS          longest a received bar waits for its commit to DuckDB (default 50)

Environment: FLUXBOOK_PUB, FLUXBOOK_REQ, FLUXBOOK_TOPICS, FLUXBOOK_DB, FLUXBOOK_HOST, FLUXBOOK_PORT,
FLUXBOOK_LOG_LEVEL, FLUXBOOK_DEMO (0/1), FLUXBOOK_HWM, FLUXBOOK_HEARTBEAT_TIMEOUT_MS, FLUXBOOK_FLUSH_MS. Flags win.`;

/** Parses flags and environment; throws UsageError with a message that says what to fix. */
export function loadConfig(args: readonly string[], env: Record<string, string | undefined>): AppConfig {
  const flags = parseFlags(args, {
    string: [
      "pub",
      "req",
      "topics",
      "demo-symbols",
      "demo-speed",
      "db",
      "host",
      "port",
      "log-level",
      "hwm",
      "heartbeat-timeout",
      "window",
      "flush-ms",
    ],
    boolean: ["demo", "help"],
  });
  if (flags.booleans.get("help")) throw new UsageError(USAGE);
  if (flags.positional.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(flags.positional[0])}`);

  const list = (raw: string | undefined): string[] =>
    raw === undefined ? [] : raw.split(",").map((s) => s.trim()).filter((s) => s.length > 0);
  const pubFlags = flags.values.get("pub") ?? list(env.FLUXBOOK_PUB);
  const reqFlags = flags.values.get("req") ?? list(env.FLUXBOOK_REQ);
  const configured = pubFlags.length > 0;
  const envDemo = env.FLUXBOOK_DEMO === undefined ? undefined : !["0", "false", "no"].includes(env.FLUXBOOK_DEMO);
  const demo = flags.booleans.get("demo") ?? envDemo ?? !configured;

  const pubEndpoints = (configured ? pubFlags : [DEFAULT_PUB]).map((e) => tcpEndpoint(e, "--pub"));
  const reqEndpoints = pubEndpoints.map((_, i) => tcpEndpoint(reqFlags[i] ?? (i === 0 ? DEFAULT_REQ : ""), "--req"));
  if (reqFlags.length > pubEndpoints.length) {
    throw new UsageError(`--req is given ${reqFlags.length} times for ${pubEndpoints.length} --pub endpoint(s)`);
  }

  const logLevel = flagValue(flags, "log-level") ?? env.FLUXBOOK_LOG_LEVEL ?? "info";
  if (!isLogLevel(logLevel)) {
    throw new UsageError(
      `--log-level must be one of debug, info, warn, error, silent; got ${JSON.stringify(logLevel)}`,
    );
  }
  const topicsRaw = flagValue(flags, "topics") ?? env.FLUXBOOK_TOPICS;
  return {
    pubEndpoints,
    reqEndpoints,
    topics: topicsRaw === undefined ? [""] : list(topicsRaw),
    demo,
    demoSymbols: list(flagValue(flags, "demo-symbols")),
    demoSpeed: numberFlag(flagValue(flags, "demo-speed"), "--demo-speed", { fallback: 60, min: 0.001 }),
    db: flagValue(flags, "db") ?? env.FLUXBOOK_DB ?? "data/cache.duckdb",
    host: flagValue(flags, "host") ?? env.FLUXBOOK_HOST ?? "127.0.0.1",
    port: numberFlag(flagValue(flags, "port") ?? env.FLUXBOOK_PORT, "--port", {
      fallback: 8000,
      min: 0,
      max: 65535,
      integer: true,
    }),
    logLevel,
    highWaterMark: numberFlag(flagValue(flags, "hwm") ?? env.FLUXBOOK_HWM, "--hwm", {
      fallback: 10_000,
      min: 1,
      integer: true,
    }),
    heartbeatTimeoutMs: numberFlag(
      flagValue(flags, "heartbeat-timeout") ?? env.FLUXBOOK_HEARTBEAT_TIMEOUT_MS,
      "--heartbeat-timeout",
      { fallback: 3000, min: 100, integer: true },
    ),
    backoffInitialMs: 100,
    backoffMaxMs: 5000,
    windowCapacity: numberFlag(flagValue(flags, "window"), "--window", { fallback: 2000, min: 10, integer: true }),
    flushRows: 8192,
    flushMs: numberFlag(flagValue(flags, "flush-ms") ?? env.FLUXBOOK_FLUSH_MS, "--flush-ms", {
      fallback: 50,
      min: 1,
      max: 10_000,
      integer: true,
    }),
  };
}
