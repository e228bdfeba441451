/**
 * `loadViewport()`: one chart viewport for the page and `/api/candles` — the cache's bars from the worker (see
 * candleViewport.ts) joined with the live tail of the main thread's candle window, which is ahead of the cache by
 * up to one commit and holds the forming bar.
 *
 * The join: the window holds every bar of its series from its first open time on, so a bucket that starts after
 * that time is built from the window alone and replaces the cache's; older buckets come from the cache. (The
 * bucket holding the window's first bar is left to the cache: a resampled window series may begin mid-bucket.)
 *
 * `live` tells the chart how to fold live bars into its newest bucket: bars of `interval` arrive on SSE key
 * `candle:<key>`; `prefix` is the bucket's aggregate before the bar `current`, so bucket = fold(prefix, current).
 */
import { CHART_INTERVALS, parseInterval } from "../ingest/interval.ts";
import type { IngestClient } from "../ingest/ingestClient.ts";
import type { Candle } from "../wire/types.ts";
import { aggregateCandles } from "./aggregateCandles.ts";
import { maxRowsFor, type ViewportQuery } from "./candleRequest.ts";
import type { CandleRequest, CandleRows } from "./candleViewport.ts";
import { bucketStart } from "../ingest/interval.ts";

export interface LiveBucket {
  /** Window key of the live bars, `${symbol}|${interval}`; SSE key `candle:${key}`. */
  key: string;
  interval: string;
  /** The newest bucket's bars before `current`, folded; null when `current` is its first. */
  prefix: Candle | null;
  /** The newest bar of `interval`, or null when the window has none. */
  current: Candle | null;
}

export interface CandleViewport extends CandleRows {
  live: LiveBucket | null;
}

type ViewportSource = Pick<IngestClient, "window" | "request">;

export async function loadViewport(ingest: ViewportSource, query: ViewportQuery): Promise<CandleViewport> {
  const intervalMs = parseInterval(query.interval);
  const maxRows = maxRowsFor(query.width);
  let { fromMs, toMs } = query;
  if (toMs === null) {
    const bars = ingest.window.series(`${query.symbol}|${query.interval}`).peek();
    if (bars.length > 0) toMs = bars[bars.length - 1].openTimeMs + intervalMs;
  }
  if (fromMs === null && toMs !== null) fromMs = toMs - maxRows * intervalMs;
  const request: CandleRequest = {
    symbol: query.symbol,
    interval: query.interval,
    fromMs,
    toMs,
    maxRows,
    minBucketMs: query.minBucketMs,
  };
  const rows = await ingest.request<CandleRows>("candles", request);
  const windowBars = ingest.window.series(`${rows.symbol}|${rows.interval}`).peek();
  return {
    ...rows,
    candles: mergeLiveTail(rows, windowBars),
    live: liveBucket(ingest, rows),
  };
}

/** The cache's buckets, with those the window covers entirely rebuilt from the window's bars. */
export function mergeLiveTail(
  rows: Pick<CandleRows, "candles" | "bucketMs" | "fromMs" | "toMs">,
  windowBars: readonly Candle[],
): Candle[] {
  if (windowBars.length === 0) return rows.candles;
  const firstMs = windowBars[0].openTimeMs;
  const inRange = windowBars.filter((bar) => bar.openTimeMs > firstMs && bar.openTimeMs < rows.toMs);
  const fromWindow = aggregateCandles(inRange, rows.bucketMs).filter((bar) =>
    bar.openTimeMs > firstMs && bar.openTimeMs >= rows.fromMs
  );
  if (fromWindow.length === 0) return rows.candles;
  const cutMs = fromWindow[0].openTimeMs;
  return [...rows.candles.filter((bar) => bar.openTimeMs < cutMs), ...fromWindow];
}

function liveBucket(ingest: ViewportSource, rows: CandleRows): LiveBucket {
  const intervalMs = parseInterval(rows.interval);
  // The longest chart interval that both nests in the bucket and is made of whole bars of the interval.
  let live = rows.interval;
  for (const candidate of CHART_INTERVALS) {
    const ms = parseInterval(candidate);
    if (ms > parseInterval(live) && rows.bucketMs % ms === 0 && ms % intervalMs === 0) live = candidate;
  }
  const key = `${rows.symbol}|${live}`;
  const bars = ingest.window.series(key).peek();
  const current = bars.length > 0 ? bars[bars.length - 1] : null;
  let prefix: Candle | null = null;
  if (current !== null) {
    const startMs = bucketStart(current.openTimeMs, rows.bucketMs);
    const before = bars.filter((bar) => bar.openTimeMs >= startMs && bar.openTimeMs < current.openTimeMs);
    if (before.length > 0) prefix = aggregateCandles(before, rows.bucketMs)[0];
  }
  return { key, interval: live, prefix, current };
}
