/** `compareBars()`: how a cache's bars differ from the expected ones: missing, never published, or other values. */
import type { Candle } from "../wire/types.ts";
import type { BarKey } from "./expectedBars.ts";

export interface BarDiff {
  missing: BarKey[];
  /** In the cache but never published. */
  extra: BarKey[];
  /** In both, with other values (an older revision, or someone else's). */
  different: BarKey[];
}

export function compareBars(expected: ReadonlyMap<BarKey, Candle>, actual: ReadonlyMap<BarKey, Candle>): BarDiff {
  const missing: BarKey[] = [];
  const different: BarKey[] = [];
  for (const [key, bar] of expected) {
    const got = actual.get(key);
    if (got === undefined) missing.push(key);
    else if (
      got.open !== bar.open || got.high !== bar.high || got.low !== bar.low || got.close !== bar.close ||
      got.volume !== bar.volume
    ) different.push(key);
  }
  const extra = [...actual.keys()].filter((key) => !expected.has(key));
  return { missing, extra, different };
}
