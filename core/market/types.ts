/**
 * Plain types for the instrument universe (data/universe.csv), where each symbol's candles come from
 * (data/mapping.csv) and the candle generator's parameters.
 */

export type AssetClass = "equity" | "etf" | "fx" | "crypto" | "index";

export const ASSET_CLASSES: readonly AssetClass[] = ["equity", "etf", "fx", "crypto", "index"];

/**
 * When an instrument trades.
 * - `us_equity`: 09:30–16:00 America/New_York, Monday to Friday (exchange holidays are not modelled).
 * - `24x5`: Sunday 17:00 to Friday 17:00 America/New_York, the usual FX week.
 * - `24x7`: always.
 */
export type SessionKind = "us_equity" | "24x5" | "24x7";

export const SESSION_KINDS: readonly SessionKind[] = ["us_equity", "24x5", "24x7"];

/** One row of universe.csv. */
export interface Instrument {
  /** Topic-safe: `[A-Z0-9_-]+`, so `candle.<symbol>.<interval>` stays a valid, prefix-filterable topic. */
  symbol: string;
  name: string;
  exchange: string;
  assetClass: AssetClass;
  /** The currency prices are quoted in (the quote currency for FX and crypto pairs). */
  currency: string;
  tickSize: number;
}

/** Generator parameters of a mapping row, in the units mapping.csv uses. */
export interface GeneratorSpec {
  /** Integer in 0..2^53-1. */
  seed: number;
  startPrice: number;
  /** Annualised drift of the log price (0.08 = 8 %/year). */
  drift: number;
  /** Annualised volatility of the log price (0.25 = 25 %/year). */
  volatility: number;
  /** Mean volume of a 1-minute bar, before the intraday profile and noise. */
  baseVolume: number;
  session: SessionKind;
}

/** A mapping row with source=file: candles are read from a candle CSV. */
export interface FileCandleSource {
  kind: "file";
  symbol: string;
  interval: string;
  /** The file as written in mapping.csv, relative to the data directory. */
  file: string;
  /** `file` resolved against the data directory (what to pass to readCandleCsv). */
  path: string;
  session: SessionKind | null;
  /** The parameters that produced the file, when it was generated (so `deno task generate` can redo it). */
  generator: GeneratorSpec | null;
  /** Line of the row in mapping.csv. */
  line: number;
}

/** A mapping row with source=generator: candles are made by generateCandles(). */
export interface GeneratorCandleSource {
  kind: "generator";
  symbol: string;
  /** Always "1m": the generator makes 1-minute bars. */
  interval: string;
  session: SessionKind;
  generator: GeneratorSpec;
  line: number;
}

export type CandleSource = FileCandleSource | GeneratorCandleSource;

/**
 * A rejected row of a data file. The row is skipped; the rest of the file loads.
 * `message` is complete on its own: `data/universe.csv:17: column tick_size: expected a positive number, got "abc"`.
 */
export interface RowError {
  file: string;
  /** 1-based line where the row starts. */
  line: number;
  /** The offending column, or null when the row as a whole is wrong (malformed CSV, extra fields). */
  column: string | null;
  message: string;
}

export interface Universe {
  instruments: Instrument[];
  mappings: CandleSource[];
  errors: RowError[];
}
