/** `formatStatusLine()`: the publisher's periodic one-line status, from two snapshots of its counters. */
import type { PublisherStats } from "./types.ts";

/** E.g. `epoch 1732480000000 · 12 topics · 14.0 msg/s · 13.0 candles/s · sent 840 · drops 3 dups 1 …`. */
export function formatStatusLine(current: PublisherStats, previous: PublisherStats, elapsedMs: number): string {
  const perSecond = (now: number, before: number): string =>
    elapsedMs > 0 ? formatRate(((now - before) * 1000) / elapsedMs) : "0";
  const parts = [
    `epoch ${current.epoch}`,
    `${current.topics} topics`,
    `${perSecond(current.messages, previous.messages)} msg/s`,
    `${perSecond(current.candles, previous.candles)} candles/s`,
    `sent ${current.messages}`,
    `closed bars ${current.closedBars}`,
  ];
  const faults = current.dropped + current.duplicated + current.reordered + current.garbage;
  if (faults > 0) {
    parts.push(
      `drops ${current.dropped} dups ${current.duplicated} reorders ${current.reordered} garbage ${current.garbage}`,
    );
  }
  if (current.backfillRequests > 0) {
    parts.push(`backfills ${current.backfillRequests} (${current.backfillFrames} frames)`);
  }
  if (current.sendWaits > 0) parts.push(`send waits ${current.sendWaits}`);
  if (current.laps > 0) parts.push(`laps ${current.laps}`);
  if (current.finished) parts.push("replay finished");
  return parts.join(" · ");
}

function formatRate(value: number): string {
  if (value >= 1e6) return `${(value / 1e6).toFixed(2)} M`;
  if (value >= 1e4) return `${(value / 1e3).toFixed(1)} k`;
  return value.toFixed(value >= 100 ? 0 : 1);
}
