/**
 * `chaosStreams()`: the candle streams a chaos scenario replays — seeded, so a scenario publishes the same bars on
 * every run. 24x7 sessions keep the bars contiguous; the open times depend only on `startMs`, never on the seed, so
 * two publishers with different seeds send different prices for the same bars (how scenarios 4 and 5 tell whose
 * revision reached the cache).
 */
import { generateCandles } from "../market/generateCandles.ts";
import { mixSeeds } from "../market/mixSeeds.ts";
import type { ReplayStream } from "../publisher/types.ts";

export interface ChaosStreamSpec {
  /** Integer in 0..2^53-1. */
  seed: number;
  symbols: readonly string[];
  /** Bars per stream. */
  bars: number;
  /** Open time of every stream's first bar, ms since the Unix epoch. Default 2025-01-06 14:30 UTC. */
  startMs?: number;
}

export const CHAOS_START_MS = Date.UTC(2025, 0, 6, 14, 30);

export function chaosStreams(spec: ChaosStreamSpec): ReplayStream[] {
  return spec.symbols.map((symbol, index) => ({
    symbol,
    interval: "1m",
    candles: generateCandles({
      seed: mixSeeds(spec.seed, index + 1),
      startPrice: 50 + 25 * index,
      drift: 0,
      volatility: 0.4,
      baseVolume: 5000,
      session: "24x7",
      tickSize: 0.01,
    }, { startMs: spec.startMs ?? CHAOS_START_MS, count: spec.bars }),
  }));
}
