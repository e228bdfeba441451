import type { Candle } from "../wire/types.ts";

/** First index of `candles` (ascending by open time) whose open time is >= `openTimeMs`; binary search. */
export function lowerBound(candles: readonly Candle[], openTimeMs: number): number {
  let low = 0;
  let high = candles.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (candles[mid].openTimeMs < openTimeMs) low = mid + 1;
    else high = mid;
  }
  return low;
}
