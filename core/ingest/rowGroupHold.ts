/**
 * When a due commit waits to fill a DuckDB row group. DuckDB writes a transaction that appends at least a row
 * group (122,880 rows) straight to the database file, compressed; a smaller one goes to the WAL and is written
 * again, compressed, at the next checkpoint. Measured here, committing 1 M candles through the store: batches of
 * 60,000 rows 0.63 M rows/s, of 131,100 rows 0.95 M rows/s; a feed of 500,000 candles/s cost DuckDB's threads
 * 1.5–1.9 µs of CPU per candle committed in ~25,000-row batches and 0.7–0.75 µs in row-group batches.
 */

/** DuckDB's default `row_group_size`. */
export const ROW_GROUP_ROWS = 122_880;

/** Below this many ms since the last take, the rate is taken over this many: a few rows in a few µs is no rate. */
export const MIN_RATE_WINDOW_MS = 10;

export interface RowGroupHoldInput {
  /** Rows pending now. */
  pendingRows: number;
  /** Rows that were still pending when the last commit took its batch (a backlog's sealed batches). */
  rowsAtLastTake: number;
  /**
   * Milliseconds since the last commit took its batch. A stall in between (a slow commit, a GC) is inside this
   * span, so the rows that piled up during it and came in as a burst after it count at the feed's real rate.
   */
  msSinceLastTake: number;
  /** Rows that fill a row group. */
  rowGroupRows: number;
  /** Longest a due batch may wait for them. */
  holdMs: number;
}

/**
 * True when fewer than a row group of rows are pending and, at the rate rows came in since the last commit took
 * its batch, the rest of one would arrive within `holdMs`. A feed of 100,000 candles/s needs more than a second
 * for a row group, so it is never held; a backlog drained at 1 M/s is held for tens of ms.
 */
export function holdsForRowGroup(input: RowGroupHoldInput): boolean {
  const { pendingRows, rowsAtLastTake, msSinceLastTake, rowGroupRows, holdMs } = input;
  if (pendingRows >= rowGroupRows) return false;
  const grown = pendingRows - rowsAtLastTake;
  if (grown <= 0) return false;
  return ((rowGroupRows - pendingRows) * Math.max(msSinceLastTake, MIN_RATE_WINDOW_MS)) / grown <= holdMs;
}
