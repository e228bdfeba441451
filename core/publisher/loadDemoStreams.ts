/**
 * `loadDemoStreams()`: the streams the demo publisher replays, from the data directory (universe.csv, mapping.csv
 * and the candle CSVs, through core/market): a `source=file` row is read from its CSV, a `source=generator` row is
 * generated (`generateDays` days of 1-minute bars from 2024-03-04, like `deno task generate`).
 */
import { generateCandles } from "../market/generateCandles.ts";
import { generatorParamsFor } from "../market/generatorParamsFor.ts";
import { loadUniverse } from "../market/loadUniverse.ts";
import { readCandleCsv } from "../market/readCandleCsv.ts";
import type { CandleSource } from "../market/types.ts";
import type { ReplayStream } from "./createStreamReplay.ts";

export interface LoadDemoStreamsOptions {
  /** Directory with universe.csv, mapping.csv and the candle files. Default "data". */
  dataDir?: string;
  /**
   * Which symbols: "sample" (default) = every `source=file` row, the shipped sample; "all" = every mapped stream;
   * or a list of symbols (all intervals mapped for each).
   */
  symbols?: readonly string[] | "sample" | "all";
  /** Days of bars generated for `source=generator` rows. Default 5. */
  generateDays?: number;
}

export interface DemoStreams {
  streams: ReplayStream[];
  /** Complete one-line messages about rows that were skipped (bad rows, missing files, bad candles). */
  warnings: string[];
}

const GENERATE_FROM_MS = Date.UTC(2024, 2, 4);
const DAY_MS = 86_400_000;

/** Throws an Error naming the problem for an unknown symbol or a missing data directory. */
export async function loadDemoStreams(options: LoadDemoStreamsOptions = {}): Promise<DemoStreams> {
  const dataDir = options.dataDir ?? "data";
  const which = options.symbols ?? "sample";
  const days = options.generateDays ?? 5;
  if (!(days > 0 && Number.isFinite(days))) {
    throw new RangeError(`Cannot generate ${days} days of bars: expected a number > 0`);
  }
  const universe = await loadUniverse(dataDir);
  const warnings = universe.errors.map((e) => e.message);

  let chosen: CandleSource[];
  if (which === "sample") chosen = universe.mappings.filter((m) => m.kind === "file");
  else if (which === "all") chosen = universe.mappings;
  else {
    const mapped = new Set(universe.mappings.map((m) => m.symbol));
    const unknown = which.filter((s) => !mapped.has(s));
    if (unknown.length > 0) {
      const known = universe.instruments.some((i) => unknown.includes(i.symbol));
      throw new Error(
        `Cannot publish ${unknown.join(", ")}: not mapped to candles in ${dataDir}/mapping.csv` +
          (known ? " (or its row was rejected, see the warnings above)" : "; check the symbol in universe.csv"),
      );
    }
    const wanted = new Set(which);
    chosen = universe.mappings.filter((m) => wanted.has(m.symbol));
  }

  const instruments = new Map(universe.instruments.map((i) => [i.symbol, i]));
  const streams: ReplayStream[] = [];
  for (const source of chosen) {
    if (source.kind === "file") {
      const { candles, errors } = await readCandleCsv(source.path);
      warnings.push(...errors.map((e) => e.message));
      if (candles.length === 0) {
        warnings.push(`${source.path}: no valid candles; ${source.symbol} ${source.interval} is not published`);
        continue;
      }
      streams.push({ symbol: source.symbol, interval: source.interval, candles });
    } else {
      const params = generatorParamsFor(instruments.get(source.symbol)!, source.generator);
      const candles = generateCandles(params, { startMs: GENERATE_FROM_MS, endMs: GENERATE_FROM_MS + days * DAY_MS });
      streams.push({ symbol: source.symbol, interval: source.interval, candles });
    }
  }
  return { streams, warnings };
}
