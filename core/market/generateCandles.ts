import type { Candle } from "../wire/types.ts";
import { createCandleGenerator, type GeneratorParams } from "./createCandleGenerator.ts";

export interface GenerateCandlesOptions {
  /** Bars start at the first session minute at or after this time (ms since the epoch, UTC). */
  startMs: number;
  /** Stop after this many bars. */
  count?: number;
  /** Stop before the first bar opening at or after this time. */
  endMs?: number;
}

/**
 * A finite run of createCandleGenerator(): `count` bars, or the bars opening before `endMs`, whichever ends
 * first (one of the two is required). The bars are a prefix of the generator's stream, so a longer run
 * starts with the same bars as a shorter one.
 */
export function generateCandles(params: GeneratorParams, options: GenerateCandlesOptions): Candle[] {
  const { startMs, count = Infinity, endMs = Infinity } = options;
  if (options.count === undefined && options.endMs === undefined) {
    throw new RangeError("Cannot generate candles without an end: give count or endMs");
  }
  if (!(count >= 0) || (count !== Infinity && !Number.isInteger(count))) {
    throw new RangeError(`Cannot generate ${count} candles: expected a whole number >= 0`);
  }
  const generator = createCandleGenerator(params, { startMs });
  const candles: Candle[] = [];
  while (candles.length < count) {
    const candle = generator.next();
    if (candle.openTimeMs >= endMs) break;
    candles.push(candle);
  }
  return candles;
}
