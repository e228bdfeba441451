/**
 * `deno task generate`: writes 1-minute candle CSVs from the generator parameters in data/mapping.csv.
 * With no flags it regenerates the shipped sample (the source=file rows that carry generator parameters)
 * byte for byte. The successor of the old generate_kbar.py.
 */
import { formatCandleCsv } from "../core/market/formatCandleCsv.ts";
import { generateCandles } from "../core/market/generateCandles.ts";
import { generatorParamsFor } from "../core/market/generatorParamsFor.ts";
import { loadUniverse } from "../core/market/loadUniverse.ts";
import { mixSeeds } from "../core/market/mixSeeds.ts";
import { parseIsoUtc } from "../core/market/isoUtc.ts";
import { tickDecimals } from "../core/market/roundToTick.ts";
import type { CandleSource, GeneratorSpec, Instrument } from "../core/market/types.ts";
import { openStore, type Store } from "../core/ingest/store.ts";
import type { CandleRow } from "../core/ingest/storeBatch.ts";
import type { Candle } from "../core/wire/types.ts";

export const DEFAULT_START = "2024-03-04";
export const DEFAULT_DAYS = 5;
const DAY_MS = 86_400_000;
const PROGRESS_EVERY = 25;

const USAGE = `Usage: deno task generate [--symbols A,B,...|all] [--days N] [--start YYYY-MM-DD] [--seed S]
                         [--out DIR] [--data DIR] [--quiet]

Writes <DIR>/<SYMBOL>_1m.csv for each symbol from its generator parameters in <data>/mapping.csv.
  --symbols   symbols to generate, or "all" (default: the shipped sample, the source=file rows with parameters)
  --days      calendar days of bars from --start (default ${DEFAULT_DAYS})
  --start     first day, UTC (default ${DEFAULT_START}); bars start at the first session minute from then
  --seed      mixed into every symbol's seed: another S gives other series, the same S the same bytes
  --out       output directory (default <data>/candles)
  --data      data directory with universe.csv and mapping.csv (default data)
  --quiet     print only errors
  --db PATH   write into a DuckDB cache instead (source "generate", origin "backfill"), e.g. data/cache.duckdb;
              stop the app first: one process per cache file`;

export interface GenerateFlags {
  symbols: string[] | "sample" | "all";
  days: number;
  startMs: number;
  seed: number | null;
  out: string | null;
  db: string | null;
  data: string;
  quiet: boolean;
  help: boolean;
}

export type ParseFlagsResult = { kind: "ok"; flags: GenerateFlags } | { kind: "rejected"; reason: string };

/** Reads the command line; a bad flag is a one-line reason, never an exception. */
export function parseGenerateFlags(args: readonly string[]): ParseFlagsResult {
  const flags: GenerateFlags = {
    symbols: "sample",
    days: DEFAULT_DAYS,
    startMs: parseIsoUtc(DEFAULT_START) as number,
    seed: null,
    out: null,
    db: null,
    data: "data",
    quiet: false,
    help: false,
  };
  const reject = (reason: string): ParseFlagsResult => ({ kind: "rejected", reason });
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const eq = arg.indexOf("=");
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const takeValue = (): string | null => {
      if (eq > 0) return arg.slice(eq + 1);
      const value = args[i + 1];
      if (value === undefined || value.startsWith("--")) return null;
      i++;
      return value;
    };
    switch (name) {
      case "--help":
      case "-h":
        flags.help = true;
        break;
      case "--quiet":
        flags.quiet = true;
        break;
      case "--db": {
        const value = takeValue();
        if (value === null || value === "") return reject("--db needs a cache file, e.g. --db data/cache.duckdb");
        flags.db = value;
        break;
      }
      case "--symbols": {
        const value = takeValue();
        if (value === null) return reject("--symbols needs a value, e.g. --symbols AAPL,MSFT or --symbols all");
        if (value === "all") {
          flags.symbols = "all";
          break;
        }
        const symbols = value.split(",").map((s) => s.trim()).filter((s) => s !== "");
        if (symbols.length === 0) return reject(`--symbols needs at least one symbol, got "${value}"`);
        flags.symbols = [...new Set(symbols)];
        break;
      }
      case "--days": {
        const value = takeValue();
        const days = Number(value);
        if (value === null || !/^\d+$/.test(value) || days < 1 || days > 3660) {
          return reject(
            `--days expects a whole number of days in 1..3660, got ${value === null ? "nothing" : `"${value}"`}`,
          );
        }
        flags.days = days;
        break;
      }
      case "--start": {
        const value = takeValue();
        const startMs = value === null ? null : parseIsoUtc(value);
        if (startMs === null) {
          return reject(`--start expects a UTC date like 2024-03-04, got ${value === null ? "nothing" : `"${value}"`}`);
        }
        flags.startMs = startMs;
        break;
      }
      case "--seed": {
        const value = takeValue();
        const seed = Number(value);
        if (value === null || !/^\d+$/.test(value) || !Number.isSafeInteger(seed)) {
          return reject(
            `--seed expects an integer in 0..9007199254740991, got ${value === null ? "nothing" : `"${value}"`}`,
          );
        }
        flags.seed = seed;
        break;
      }
      case "--out":
      case "--data": {
        const value = takeValue();
        if (value === null || value === "") return reject(`${name} needs a directory`);
        if (name === "--out") flags.out = value;
        else flags.data = value;
        break;
      }
      default:
        return reject(`unknown flag "${arg}" (try --help)`);
    }
  }
  return { kind: "ok", flags };
}

interface Job {
  instrument: Instrument;
  spec: GeneratorSpec;
}

/** Picks what to generate; an unknown symbol or one without generator parameters is a one-line reason. */
function selectJobs(
  flags: GenerateFlags,
  instruments: readonly Instrument[],
  mappings: readonly CandleSource[],
): { kind: "ok"; jobs: Job[] } | { kind: "rejected"; reason: string } {
  const bySymbol = new Map(instruments.map((i) => [i.symbol, i]));
  // One spec per symbol: the 1m row that carries generator parameters.
  const specs = new Map<string, { source: CandleSource; spec: GeneratorSpec }>();
  for (const m of mappings) {
    if (m.interval === "1m" && m.generator !== null && !specs.has(m.symbol)) {
      specs.set(m.symbol, { source: m, spec: m.generator });
    }
  }
  let symbols: string[];
  switch (flags.symbols) {
    case "all":
      symbols = [...specs.keys()];
      break;
    case "sample":
      symbols = [...specs.values()].filter(({ source }) => source.kind === "file").map(({ source }) => source.symbol);
      break;
    default:
      symbols = flags.symbols;
  }
  const jobs: Job[] = [];
  for (const symbol of symbols) {
    const instrument = bySymbol.get(symbol);
    if (instrument === undefined) {
      return { kind: "rejected", reason: `unknown symbol "${symbol}": not in universe.csv` };
    }
    const entry = specs.get(symbol);
    if (entry === undefined) {
      return {
        kind: "rejected",
        reason: `${symbol} has no generator parameters in mapping.csv (it needs a 1m row with seed, start_price, …)`,
      };
    }
    jobs.push({ instrument, spec: entry.spec });
  }
  return { kind: "ok", jobs };
}

/** Runs the command; returns the exit code (0 ok, 1 failed, 2 bad usage). */
export async function main(args: readonly string[]): Promise<number> {
  const parsed = parseGenerateFlags(args);
  if (parsed.kind === "rejected") {
    console.error(`generate: ${parsed.reason}`);
    return 2;
  }
  const { flags } = parsed;
  if (flags.help) {
    console.log(USAGE);
    return 0;
  }
  const log = flags.quiet ? (): void => {} : (line: string): void => console.log(line);
  const started = performance.now();

  let universe;
  try {
    universe = await loadUniverse(flags.data, { checkFiles: false });
  } catch (error) {
    console.error(`generate: ${(error as Error).message}`);
    return 1;
  }
  for (const e of universe.errors) console.error(`warning: skipped row: ${e.message}`);

  const selected = selectJobs(flags, universe.instruments, universe.mappings);
  if (selected.kind === "rejected") {
    console.error(`generate: ${selected.reason}`);
    return 2;
  }
  const { jobs } = selected;
  const out = flags.out ?? `${flags.data}/candles`;
  const endMs = flags.startMs + flags.days * DAY_MS;
  if (flags.db !== null && flags.out !== null) {
    console.error("generate: give --out or --db, not both");
    return 2;
  }
  let store: Store | null = null;
  if (flags.db !== null) {
    try {
      store = await openStore(flags.db);
    } catch (error) {
      console.error(`generate: ${(error as Error).message}`);
      return 1;
    }
  } else await Deno.mkdir(out, { recursive: true });

  const encoder = new TextEncoder();
  let rows = 0;
  let bytes = 0;
  for (const [k, { instrument, spec }] of jobs.entries()) {
    const params = generatorParamsFor(instrument, spec);
    if (flags.seed !== null) params.seed = mixSeeds(params.seed, flags.seed);
    const candles = generateCandles(params, { startMs: flags.startMs, endMs });
    if (store !== null) {
      await commitCandles(store, instrument.symbol, candles);
      rows += candles.length;
      if ((k + 1) % Math.max(1, Math.min(PROGRESS_EVERY, Math.ceil(jobs.length / 10))) === 0) {
        log(`generate: ${k + 1}/${jobs.length} symbols, ${rows} rows committed`);
      }
      continue;
    }
    const text = formatCandleCsv(candles, {
      priceDecimals: tickDecimals(instrument.tickSize) ?? undefined,
      volumeDecimals: params.volumeDecimals,
    });
    const data = encoder.encode(text);
    await Deno.writeFile(`${out}/${instrument.symbol}_1m.csv`, data);
    rows += candles.length;
    bytes += data.length;
    if (jobs.length > PROGRESS_EVERY && (k + 1) % PROGRESS_EVERY === 0) {
      log(`generate: ${k + 1}/${jobs.length} symbols, ${rows} rows`);
    }
  }
  const seconds = (performance.now() - started) / 1000;
  if (store !== null) {
    await store.close();
    log(`generate: ${jobs.length} symbols, ${rows} rows in ${seconds.toFixed(2)} s -> ${flags.db}`);
    return 0;
  }
  log(
    `generate: ${jobs.length} symbols, ${rows} rows, ${bytes} bytes (${(bytes / 1e6).toFixed(2)} MB) ` +
      `in ${seconds.toFixed(2)} s -> ${out}`,
  );
  return 0;
}

/** Bars committed per transaction when writing straight into a cache. */
const DB_BATCH_ROWS = 50_000;

/** Writes one symbol's bars as closed 1m bars of the "generate" source, in batches of one transaction each. */
async function commitCandles(store: Store, symbol: string, candles: readonly Candle[]): Promise<void> {
  const recvTimeMs = Date.now();
  for (let start = 0; start < candles.length; start += DB_BATCH_ROWS) {
    const rows: CandleRow[] = candles.slice(start, start + DB_BATCH_ROWS).map((candle, i) => ({
      ...candle,
      symbol,
      interval: "1m",
      partial: false,
      source: "generate",
      epoch: 0n,
      seq: start + i + 1,
      recvTimeMs,
      origin: "backfill",
    }));
    await store.commit({ candles: rows });
  }
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
