/** `parsePublishArgs()`: the command line of `deno task publish`, as a value (never an exception). */
import { flagValue, numberFlag, parseFlags, tcpEndpoint, UsageError } from "../flags.ts";
import type { FaultOptions } from "./createFaultInjector.ts";
import { DEFAULT_PUB_ENDPOINT, DEFAULT_REQ_ENDPOINT } from "./startPublisher.ts";

export interface PublishConfig {
  pubEndpoint: string;
  reqEndpoint: string;
  dataDir: string;
  symbols: string[] | "sample" | "all";
  generateDays: number;
  speed: number | "max";
  rate: number | undefined;
  batchSize: number;
  loop: boolean;
  partials: number;
  ticks: boolean;
  trades: boolean;
  heartbeatMs: number;
  historyLimit: number;
  maxBackfill: number;
  backlogBars: number;
  faults: FaultOptions;
  source: string;
  noDrop: boolean;
  quiet: boolean;
  statusMs: number;
}

export type PublishCommand =
  | { kind: "help" }
  | { kind: "usage_error"; message: string }
  | { kind: "run"; config: PublishConfig };

export const PUBLISH_USAGE = `Usage: deno task publish [options]

Replays candles from the data directory as a market-data publisher (see WIRE.md): PUB for the live stream,
REP for backfills. Ctrl-C stops it.

  --pub ENDPOINT       PUB endpoint to bind (default ${DEFAULT_PUB_ENDPOINT}; port 0 or * picks a free one)
  --req ENDPOINT       REP endpoint for backfills (default ${DEFAULT_REQ_ENDPOINT})
  --data DIR           data directory with universe.csv and mapping.csv (default data)
  --symbols A,B|all    symbols to replay (default: the sample, every source=file row of mapping.csv)
  --days N             days of bars generated for source=generator rows (default 5)
  --speed N|max        N x real time by bar index (60: a 1-minute bar per second), or as fast as possible
                       (default 60)
  --rate N             N data messages per second overall, instead of --speed
  --batch N            candles per message when closed bars go out together (default 100)
  --loop               replay again from the start, shifted in time, when the data runs out
  --partials N         revisions of the forming bar before it closes (default 4; 0 = closed bars only)
  --ticks, --trades    also publish tick.<SYMBOL> and trade.<SYMBOL> derived from the candles
  --backlog N          bars per stream sent closed at once at the start, as recent history (default 390)
  --heartbeat MS       heartbeat period on hb (default 1000)
  --history N          messages kept per topic for backfill by seq (default 4096)
  --max-backfill N     most frames in one backfill reply (default 2000)
  --drop-rate R        share of messages given a seq but not sent (0..1, default 0)
  --dup-rate R         share sent twice
  --reorder-rate R     share swapped with the next message of their topic
  --garbage-rate R     share of candle messages preceded by an invalid frame
  --seed N             seed of the fault injection (default 1): the same seed, the same faults
  --source NAME        the envelopes' source (default demo)
  --lossless           wait for slow subscribers instead of dropping at the high-water mark
  --status MS          status line period (default 5000; 0 = none)
  --quiet              no status line, warnings and errors only`;

const STRING_FLAGS = [
  "pub",
  "req",
  "data",
  "symbols",
  "days",
  "speed",
  "rate",
  "batch",
  "partials",
  "backlog",
  "heartbeat",
  "history",
  "max-backfill",
  "drop-rate",
  "dup-rate",
  "reorder-rate",
  "garbage-rate",
  "seed",
  "source",
  "status",
] as const;

export function parsePublishArgs(args: readonly string[]): PublishCommand {
  try {
    return parse(args);
  } catch (error) {
    if (error instanceof UsageError) return { kind: "usage_error", message: error.message };
    throw error;
  }
}

function parse(args: readonly string[]): PublishCommand {
  const flags = parseFlags(args, {
    string: STRING_FLAGS,
    boolean: ["loop", "ticks", "trades", "lossless", "quiet", "help"],
  });
  if (flags.booleans.get("help")) return { kind: "help" };
  if (flags.positional.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(flags.positional[0])}`);
  const value = (name: typeof STRING_FLAGS[number]): string | undefined => flagValue(flags, name);
  const whole = (name: typeof STRING_FLAGS[number], fallback: number, min: number): number =>
    numberFlag(value(name), `--${name}`, { fallback, min, integer: true });
  const share = (name: typeof STRING_FLAGS[number]): number =>
    numberFlag(value(name), `--${name}`, { fallback: 0, min: 0, max: 1 });

  const rawSpeed = value("speed");
  const speedNumber = Number(rawSpeed ?? 60);
  if (rawSpeed !== "max" && !(speedNumber > 0 && Number.isFinite(speedNumber))) {
    throw new UsageError(`--speed must be a number > 0 or "max", got ${JSON.stringify(rawSpeed)}`);
  }
  const speed = rawSpeed === "max" ? "max" : speedNumber;
  const rawRate = value("rate");
  const rawSymbols = value("symbols");
  const symbols = rawSymbols === undefined
    ? "sample"
    : rawSymbols === "all"
    ? "all"
    : rawSymbols.split(",").map((s) => s.trim()).filter((s) => s.length > 0);
  if (Array.isArray(symbols) && symbols.length === 0) throw new UsageError("--symbols needs at least one symbol");
  const source = value("source") ?? "demo";
  if (source.length === 0) throw new UsageError("--source must not be empty");

  return {
    kind: "run",
    config: {
      pubEndpoint: tcpEndpoint(value("pub") ?? DEFAULT_PUB_ENDPOINT, "--pub"),
      reqEndpoint: tcpEndpoint(value("req") ?? DEFAULT_REQ_ENDPOINT, "--req"),
      dataDir: value("data") ?? "data",
      symbols,
      generateDays: numberFlag(value("days"), "--days", { fallback: 5, min: 1, integer: true }),
      speed,
      rate: rawRate === undefined ? undefined : numberFlag(rawRate, "--rate", { fallback: 0, min: 0.001 }),
      batchSize: whole("batch", 100, 1),
      loop: flags.booleans.get("loop") ?? false,
      partials: whole("partials", 4, 0),
      ticks: flags.booleans.get("ticks") ?? false,
      trades: flags.booleans.get("trades") ?? false,
      heartbeatMs: whole("heartbeat", 1000, 1),
      historyLimit: whole("history", 4096, 1),
      maxBackfill: whole("max-backfill", 2000, 1),
      backlogBars: whole("backlog", 390, 0),
      faults: {
        dropRate: share("drop-rate"),
        dupRate: share("dup-rate"),
        reorderRate: share("reorder-rate"),
        garbageRate: share("garbage-rate"),
        seed: numberFlag(value("seed"), "--seed", { fallback: 1, min: 0, max: Number.MAX_SAFE_INTEGER, integer: true }),
      },
      source,
      noDrop: flags.booleans.get("lossless") ?? false,
      quiet: flags.booleans.get("quiet") ?? false,
      statusMs: whole("status", 5000, 0),
    },
  };
}
