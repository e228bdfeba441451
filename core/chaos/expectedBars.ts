/**
 * `expectedBars()`: what the cache must hold after a scenario, from what its publishers put on the wire: the newest
 * revision of every bar (WIRE.md): a later session (epoch) over an earlier one, then the highest seq. Dropped
 * messages count (they got a seq and are backfillable); garbage frames do not.
 */
import type { SendEvent } from "../publisher/types.ts";
import type { GarbageKind } from "../publisher/createFaultInjector.ts";
import { decodeFrame } from "../wire/decode.ts";
import type { Candle } from "../wire/types.ts";

/** `${symbol}|${interval}|${openTimeMs}`. */
export type BarKey = string;

export interface PublishedSummary {
  /** Data messages given a seq (sent or dropped; second copies and garbage not counted). */
  messages: number;
  dropped: number;
  duplicated: number;
  reordered: number;
  garbage: Partial<Record<GarbageKind, number>>;
}

/**
 * `sessions` in the order the subscriber first saw them (normally the order the publishers started); each is the
 * full event list of one publisher session. Throws if a non-garbage frame does not decode: that is a publisher bug.
 */
export function expectedBars(sessions: readonly (readonly SendEvent[])[]): Map<BarKey, Candle> {
  const bars = new Map<BarKey, Candle & { rank: number; seq: number }>();
  sessions.forEach((events, rank) => {
    for (const event of events) {
      if (event.fate === "garbage") continue;
      const decoded = decodeFrame(event.frame);
      if (decoded.kind !== "envelope") {
        throw new Error(`Cannot read what was published: a ${event.fate} frame on ${event.topic} does not decode`);
      }
      const { payload, symbol, seq } = decoded.envelope;
      if (payload.kind !== "candles") continue;
      for (const candle of payload.candles) {
        const key = `${symbol}|${payload.interval}|${candle.openTimeMs}`;
        const known = bars.get(key);
        if (!known || known.rank < rank || (known.rank === rank && known.seq <= seq)) {
          bars.set(key, { ...candle, rank, seq });
        }
      }
    }
  });
  return new Map([...bars].map(([key, { rank: _rank, seq: _seq, ...candle }]) => [key, candle]));
}

/**
 * The bars a cache must hold if every commit was atomic, from its own cursors: of one publisher session, exactly
 * the messages at or below the stored cursor of their topic (same epoch) that are not inside a gap the cache lists
 * as not filled. A cache left by kill -9 or a failed write must equal this: a cursor never runs ahead of its data,
 * and no data lands without its cursor.
 */
export function expectedPrefix(
  events: readonly SendEvent[],
  cache: {
    cursors: readonly { topic: string; epoch: bigint; lastSeq: number }[];
    unfilledGaps: readonly { topic: string; epoch: bigint; fromSeq: number; toSeq: number }[];
  },
): Map<BarKey, Candle> {
  const cursors = new Map(cache.cursors.map((c) => [c.topic, c]));
  const kept: SendEvent[] = events.filter((event) => {
    if (event.fate === "garbage") return false;
    const cursor = cursors.get(event.topic);
    if (cursor === undefined || event.seq > cursor.lastSeq) return false;
    const decoded = decodeFrame(event.frame);
    if (decoded.kind !== "envelope" || decoded.envelope.epoch !== cursor.epoch) return false;
    return !cache.unfilledGaps.some((g) =>
      g.topic === event.topic && g.epoch === cursor.epoch && g.fromSeq <= event.seq && event.seq <= g.toSeq
    );
  });
  return expectedBars([kept]);
}

export function summarizePublished(sessions: readonly (readonly SendEvent[])[]): PublishedSummary {
  const summary: PublishedSummary = { messages: 0, dropped: 0, duplicated: 0, reordered: 0, garbage: {} };
  for (const events of sessions) {
    for (const event of events) {
      switch (event.fate) {
        case "sent":
          summary.messages++;
          if (event.reordered) summary.reordered++;
          break;
        case "dropped":
          summary.messages++;
          summary.dropped++;
          break;
        case "duplicate":
          summary.duplicated++;
          break;
        case "garbage":
          if (event.garbage !== null) summary.garbage[event.garbage] = (summary.garbage[event.garbage] ?? 0) + 1;
          break;
      }
    }
  }
  return summary;
}
