/**
 * Benchmark section "generate": how fast the candle generator makes 1-minute bars (round-the-clock and with
 * US-equity session skipping) and how fast candle CSVs are written and read back.
 */

import type { Candle } from "../core/wire/types.ts";
import { type GeneratorParams } from "../core/market/createCandleGenerator.ts";
import { formatCandleCsv } from "../core/market/formatCandleCsv.ts";
import { generateCandles } from "../core/market/generateCandles.ts";
import { parseCandleCsv } from "../core/market/parseCandleCsv.ts";
import type { Figure } from "./figure.ts";

const GROUP = "generate";
const START_MS = Date.UTC(2024, 2, 4);
const BARS = 1_000_000;
/** Rows for the CSV figures: fewer, as writing and reading are ~4x slower than generating. */
const CSV_ROWS = 200_000;

const CRYPTO: GeneratorParams = {
  seed: 1,
  startPrice: 63_000,
  drift: 0.2,
  volatility: 0.55,
  baseVolume: 16.5,
  session: "24x7",
  tickSize: 0.01,
  volumeDecimals: 4,
};
const EQUITY: GeneratorParams = {
  seed: 2,
  startPrice: 175,
  drift: 0.08,
  volatility: 0.24,
  baseVolume: 146_520,
  session: "us_equity",
  tickSize: 0.01,
};

/** Best of three timed runs of `work`, in ms, after one warm-up run. */
function bestOfThree(work: () => void): number {
  work();
  let best = Infinity;
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    work();
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

export function run(): Promise<Figure[]> {
  const figures: Figure[] = [];
  for (const [name, params] of [["24x7", CRYPTO], ["us_equity", EQUITY]] as const) {
    const ms = bestOfThree(() => void generateCandles(params, { startMs: START_MS, count: BARS }));
    figures.push({
      group: GROUP,
      name: `generateCandles ${name}`,
      value: BARS / ms / 1000,
      unit: "M candles/s",
      note: `${BARS} 1-minute bars, best of 3`,
    });
  }

  const candles: Candle[] = generateCandles(CRYPTO, { startMs: START_MS, count: CSV_ROWS });
  let text = "";
  const formatMs = bestOfThree(() => {
    text = formatCandleCsv(candles, { priceDecimals: 2, volumeDecimals: 4 });
  });
  figures.push({
    group: GROUP,
    name: "formatCandleCsv",
    value: CSV_ROWS / formatMs / 1000,
    unit: "M rows/s",
    note: `${(text.length / 1e6).toFixed(1)} MB of CSV`,
  });
  const parseMs = bestOfThree(() => void parseCandleCsv(text, { file: "bench.csv" }));
  figures.push({
    group: GROUP,
    name: "parseCandleCsv",
    value: CSV_ROWS / parseMs / 1000,
    unit: "M rows/s",
    note: "validated rows (OHLC, order)",
  });
  return Promise.resolve(figures);
}
