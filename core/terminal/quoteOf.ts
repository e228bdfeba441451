/**
 * `quoteOf()`: a watchlist row's numbers from the candle window. The change is against the previous session's close
 * — the close of the daily bar before the newest one (sessions are UTC days, the buckets of the 1d resampling) —
 * or, with no earlier daily bar in the window, against the open of the window's first bar. Volume is the newest
 * daily bar's (the session so far). Pure: reads the window's signals without subscribing.
 */
import { CHART_INTERVALS } from "../ingest/interval.ts";
import type { CandleWindow } from "../ingest/candleWindow.ts";

export interface Quote {
  symbol: string;
  last: number;
  change: number;
  /** In percent (1.5 = +1.5 %); null when the reference is 0. */
  changePct: number | null;
  volume: number;
  /** Open time of the newest bar. */
  barMs: number;
  /** What `change` is against. */
  reference: "previous_close" | "first_bar";
  /** The shortest interval with bars: how often the quote can move. */
  interval: string;
}

export function quoteOf(window: Pick<CandleWindow, "series">, symbol: string): Quote | null {
  let interval: string | null = null;
  let bars: readonly { openTimeMs: number; open: number; close: number; volume: number }[] = [];
  for (const candidate of CHART_INTERVALS) {
    bars = window.series(`${symbol}|${candidate}`).peek();
    if (bars.length > 0) {
      interval = candidate;
      break;
    }
  }
  if (interval === null) return null;
  const newest = bars[bars.length - 1];
  const days = window.series(`${symbol}|1d`).peek();
  let reference: Quote["reference"] = "first_bar";
  let referencePrice = bars[0].open;
  let volume = newest.volume;
  if (days.length > 0) volume = days[days.length - 1].volume;
  if (days.length > 1) {
    reference = "previous_close";
    referencePrice = days[days.length - 2].close;
  }
  const change = newest.close - referencePrice;
  return {
    symbol,
    last: newest.close,
    change,
    changePct: referencePrice === 0 ? null : (change / referencePrice) * 100,
    volume,
    barMs: newest.openTimeMs,
    reference,
    interval,
  };
}
