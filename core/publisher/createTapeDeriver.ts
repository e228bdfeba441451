/**
 * `createTapeDeriver()`: quotes and trades for `tick.<SYMBOL>` and `trade.<SYMBOL>`, made up from the candle
 * messages of one symbol so that the three streams agree: each candle revision yields one quote around its close
 * and one trade at its close for the volume added since the previous revision of that bar.
 */
import type { Candle, Tick, Trade } from "../wire/types.ts";

export interface TapeDeriver {
  /**
   * The quotes and trades of one candle message. `fraction` is how far the last candle is into its interval
   * (1 for closed bars); the earlier candles of a batch are closed.
   */
  derive(candles: readonly Candle[], options: { intervalMs: number; fraction: number }): {
    ticks: Tick[];
    trades: Trade[];
  };
}

/** Half the quoted spread, as a share of the price. */
const HALF_SPREAD = 5e-5;
/** Quoted size as a share of the bar's volume so far. */
const QUOTE_SIZE = 0.02;
const NS_PER_MS = 1_000_000n;

export function createTapeDeriver(): TapeDeriver {
  let barOpenTimeMs = NaN;
  let barVolume = 0;
  let lastPrice = NaN;
  let nextTradeId = 1n;

  function derive(
    candles: readonly Candle[],
    options: { intervalMs: number; fraction: number },
  ): { ticks: Tick[]; trades: Trade[] } {
    const ticks: Tick[] = [];
    const trades: Trade[] = [];
    for (let i = 0; i < candles.length; i++) {
      const c = candles[i];
      const fraction = i === candles.length - 1 ? options.fraction : 1;
      // A closed bar's events sit in its last millisecond, a revision's at its share of the interval.
      const atMs = c.openTimeMs + Math.max(0, Math.min(options.intervalMs - 1, options.intervalMs * fraction));
      const tsNs = BigInt(Math.floor(atMs)) * NS_PER_MS;
      const half = Math.abs(c.close) * HALF_SPREAD;
      const quoteSize = Math.max(1, Math.round(c.volume * QUOTE_SIZE));
      ticks.push({ tsNs, bid: c.close - half, ask: c.close + half, bidSize: quoteSize, askSize: quoteSize });

      const traded = c.openTimeMs === barOpenTimeMs ? c.volume - barVolume : c.volume;
      if (traded > 0) {
        const side = Number.isNaN(lastPrice) || c.close === lastPrice
          ? "unknown"
          : c.close > lastPrice
          ? "buy"
          : "sell";
        trades.push({ tsNs, price: c.close, size: traded, tradeId: nextTradeId++, side });
      }
      barOpenTimeMs = c.openTimeMs;
      barVolume = c.volume;
      lastPrice = c.close;
    }
    return { ticks, trades };
  }

  return { derive };
}
