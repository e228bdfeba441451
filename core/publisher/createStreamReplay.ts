/**
 * `createStreamReplay()`: the bars a replayed stream publishes, by index, with their times moved to "now".
 *
 * Time model (the choice the demo makes, documented here once):
 * - The stream's data is replayed bar by bar; pacing is by bar index (see startPublisher), so nights, weekends and
 *   holidays in the data never stall the demo.
 * - Every open time is shifted by one constant offset, chosen so that bar `anchorBar` opens at `anchorMs` rounded
 *   down to the interval (the UTC bucket, as the app's resampler aligns bars). With `anchorBar` = the backlog, the
 *   backlog lies just before the start and the first bar to form live opens at the start: the chart looks current.
 *   Gaps inside the data (sessions) are kept as they are.
 * - With `loop`, bar `k` is data bar `k mod n` in lap `floor(k / n)`, and each lap is shifted by a further
 *   `span` = last open - first open + one interval, so open times keep ascending across the wrap. Prices are
 *   replayed unchanged (a lap starts with the data's first prices again, like a gap over a weekend).
 */
import { bucketStart, parseInterval } from "../ingest/interval.ts";
import { SYMBOL_PATTERN } from "../market/parseUniverse.ts";
import type { Candle } from "../wire/types.ts";

/** A stream to replay: its candles ascend strictly by open time. */
export interface ReplayStream {
  symbol: string;
  interval: string;
  candles: readonly Candle[];
}

export interface StreamReplay {
  readonly symbol: string;
  readonly interval: string;
  readonly intervalMs: number;
  /** `candle.<SYMBOL>.<interval>`. */
  readonly topic: string;
  /** Bars that exist: the data's length, or Infinity with `loop`. */
  readonly bars: number;
  /** Bar `index` as published, open time shifted. */
  barAt(index: number): Candle;
  openTimeAt(index: number): number;
  /** The first index in `from..to` (to exclusive) whose open time is at or after `timeMs`; `to` if none. */
  firstIndexAtOrAfter(timeMs: number, from: number, to: number): number;
}

export interface StreamReplayOptions {
  anchorMs: number;
  /** The bar that opens at `anchorMs` (rounded down to the interval). */
  anchorBar: number;
  loop: boolean;
}

/** Checks the stream (throws a RangeError naming the stream and the bad value) and returns its replay. */
export function createStreamReplay(stream: ReplayStream, options: StreamReplayOptions): StreamReplay {
  const { symbol, interval, candles } = stream;
  const name = `${symbol} ${interval}`;
  // Topic-safe symbols keep `candle.<symbol>.<interval>` a valid, prefix-filterable topic.
  if (!SYMBOL_PATTERN.test(symbol)) {
    throw new RangeError(`Cannot replay ${JSON.stringify(symbol)}: a symbol must match ${SYMBOL_PATTERN.source}`);
  }
  const intervalMs = parseInterval(interval);
  const n = candles.length;
  if (n === 0) throw new RangeError(`Cannot replay ${name}: it has no candles`);
  for (let i = 1; i < n; i++) {
    if (!(candles[i].openTimeMs > candles[i - 1].openTimeMs)) {
      throw new RangeError(
        `Cannot replay ${name}: candle ${i} opens at ${candles[i].openTimeMs} ms, not after candle ${i - 1} ` +
          `(${candles[i - 1].openTimeMs} ms); candles must ascend by open time`,
      );
    }
  }
  const firstMs = candles[0].openTimeMs;
  const spanMs = candles[n - 1].openTimeMs - firstMs + intervalMs;
  const rawOpenTime = (index: number): number => candles[index % n].openTimeMs + Math.floor(index / n) * spanMs;
  const offsetMs = bucketStart(options.anchorMs, intervalMs) - rawOpenTime(options.anchorBar);
  const bars = options.loop ? Infinity : n;

  function openTimeAt(index: number): number {
    return rawOpenTime(index) + offsetMs;
  }

  function barAt(index: number): Candle {
    const c = candles[index % n];
    return {
      openTimeMs: c.openTimeMs + Math.floor(index / n) * spanMs + offsetMs,
      open: c.open,
      high: c.high,
      low: c.low,
      close: c.close,
      volume: c.volume,
    };
  }

  function firstIndexAtOrAfter(timeMs: number, from: number, to: number): number {
    let lo = from, hi = to;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      if (openTimeAt(mid) < timeMs) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  return {
    symbol,
    interval,
    intervalMs,
    topic: `candle.${symbol}.${interval}`,
    bars,
    barAt,
    openTimeAt,
    firstIndexAtOrAfter,
  };
}
