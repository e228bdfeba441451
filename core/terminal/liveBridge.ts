/**
 * `startLiveBridge()`: feeds the SSE hub from the ingest client's signals. Keys:
 * - `candle:<SYMBOL>|<interval>`: every new or revised bar of the window (base and resampled intervals) as
 *   `{ openTimeMs, open, high, low, close, volume, partial }`;
 * - `quote:<SYMBOL>`: the watchlist row (see quoteOf.ts), once per symbol per batch of updates;
 * - `status`: connection state per source, ingest counters, backfill/replay progress and the hub's own stats, at
 *   most every STATUS_MIN_MS.
 * Publishing to a key nobody listens to costs a map lookup (the hub serializes only for subscribers); a slow tab
 * gets the newest value per key (the hub coalesces). Returns the stop function.
 */
import { effect } from "@preact/signals-core";
import type { IngestClient } from "../ingest/ingestClient.ts";
import type { SseHub } from "../web/mod.ts";
import { quoteOf } from "./quoteOf.ts";
import { statusSnapshot } from "./statusSnapshot.ts";

const STATUS_MIN_MS = 250;

export function candleKey(symbol: string, interval: string): string {
  return `candle:${symbol}|${interval}`;
}

export function quoteKey(symbol: string): string {
  return `quote:${symbol}`;
}

export const STATUS_KEY = "status";

export function startLiveBridge(ingest: IngestClient, hub: SseHub): () => void {
  const stopCandles = ingest.onCandles((updates) => {
    const symbols = new Set<string>();
    for (const update of updates) {
      const { candle } = update;
      hub.publish(`candle:${update.key}`, {
        openTimeMs: candle.openTimeMs,
        open: candle.open,
        high: candle.high,
        low: candle.low,
        close: candle.close,
        volume: candle.volume,
        partial: update.partial,
      });
      symbols.add(update.symbol);
    }
    for (const symbol of symbols) {
      const quote = quoteOf(ingest.window, symbol);
      if (quote !== null) hub.publish(quoteKey(symbol), quote);
    }
  });

  let lastStatusMs = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const publishStatus = (): void => {
    timer = null;
    lastStatusMs = Date.now();
    hub.publish(STATUS_KEY, statusSnapshot(ingest, hub));
  };
  const stopStatus = effect(() => {
    // Read to subscribe: any change of these schedules one snapshot.
    void ingest.sources.value;
    void ingest.stats.value;
    void ingest.progress.value;
    if (timer !== null) return;
    const waitMs = Math.max(0, lastStatusMs + STATUS_MIN_MS - Date.now());
    timer = setTimeout(publishStatus, waitMs);
  });

  return () => {
    stopCandles();
    stopStatus();
    if (timer !== null) clearTimeout(timer);
    timer = null;
  };
}
