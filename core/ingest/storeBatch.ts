/**
 * What one `store.commit()` writes, in one transaction: data rows with their lineage, cursor advances and gap
 * changes. Rows are flat objects (the core type plus lineage) because that is what the dedupe stage produces per
 * candle/tick/trade; the store turns them into column vectors itself.
 */

import type { Candle, Tick, Trade } from "../wire/types.ts";
import type { CandleColumns } from "./candleColumns.ts";

/**
 * Whether a row came from the live PUB/SUB stream, a backfill reply, or an offline playback of the cache. Replay
 * rows never reach the store (it refuses them): they only feed the replay window.
 */
export type RowOrigin = "live" | "backfill" | "replay";

/** Where a row came from: the envelope it was decoded from and when it arrived. */
export interface RowLineage {
  source: string;
  /** The publisher's session id. */
  epoch: bigint;
  /** The envelope's seq on its topic. */
  seq: number;
  /** When the envelope arrived, ms since the Unix epoch (wall clock); sub-ms digits are kept to the microsecond. */
  recvTimeMs: number;
  origin: RowOrigin;
}

/** One candle revision: a closed bar, or one state of the bar still forming (`partial`). */
export interface CandleRow extends Candle, RowLineage {
  symbol: string;
  interval: string;
  /** This row was the forming bar (the last candle of a batch with `lastIsPartial`). */
  partial: boolean;
}

export interface TickRow extends Tick, RowLineage {
  symbol: string;
}

export interface TradeRow extends Trade, RowLineage {
  symbol: string;
}

/** The last seq seen on (source, topic) in `epoch`. A newer epoch replaces the stored cursor of an older one. */
export interface IngestCursor {
  source: string;
  topic: string;
  epoch: bigint;
  lastSeq: number;
}

export type GapState = "open" | "requested" | "filled" | "unfillable";

/** A gap's state; keyed by (source, topic, epoch, fromSeq), so upserting the same key updates it. */
export interface GapUpsert {
  source: string;
  topic: string;
  epoch: bigint;
  fromSeq: number;
  /** Inclusive; must be >= fromSeq. */
  toSeq: number;
  state: GapState;
  /** Backfill requests sent for this gap so far. */
  attempts: number;
  reason?: string;
}

/** A stored gap, as `store.openGaps()` returns it. */
export interface GapRow extends GapUpsert {
  /** When the gap was first stored, ms since the Unix epoch. */
  openedAtMs: number;
  updatedAtMs: number;
}

/** Everything one commit writes atomically. Every field is optional; an empty batch is a no-op. */
export interface StoreBatch {
  /** As row objects, or (the pipeline's way, no object per row) as columns. */
  candles?: readonly CandleRow[] | CandleColumns;
  ticks?: readonly TickRow[];
  trades?: readonly TradeRow[];
  cursors?: readonly IngestCursor[];
  gaps?: readonly GapUpsert[];
}
