/**
 * OHLCV aggregation of bars into longer buckets, the same rule the SQL viewport and the resampler use: open of the
 * first bar by time, highest high, lowest low, close of the last bar by time, summed volume. Pure; also bundled for
 * the browser (the chart folds live bars into its forming bucket with `foldCandle`).
 */
import { bucketStart } from "../ingest/interval.ts";
import type { Candle } from "../wire/types.ts";

/** `later` folded into `earlier` (which opened first), as one bar opening at `openTimeMs`. */
export function foldCandle(earlier: Candle | null, later: Candle, openTimeMs: number): Candle {
  if (earlier === null) return { ...later, openTimeMs };
  return {
    openTimeMs,
    open: earlier.open,
    high: Math.max(earlier.high, later.high),
    low: Math.min(earlier.low, later.low),
    close: later.close,
    volume: earlier.volume + later.volume,
  };
}

/** Bars ascending by open time (one per open time) → one bar per bucket of `bucketMs`, ascending. */
export function aggregateCandles(candles: readonly Candle[], bucketMs: number): Candle[] {
  const out: Candle[] = [];
  let current: Candle | null = null;
  for (const candle of candles) {
    const b = bucketStart(candle.openTimeMs, bucketMs);
    if (current !== null && current.openTimeMs === b) current = foldCandle(current, candle, b);
    else {
      if (current !== null) out.push(current);
      current = foldCandle(null, candle, b);
    }
  }
  if (current !== null) out.push(current);
  return out;
}
