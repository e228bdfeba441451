/**
 * When a due commit waits to fill a DuckDB row group. DuckDB writes a transaction that appends at least a row
 * group (122,880 rows) straight to the database file, compressed; a smaller one goes to the WAL and is written
 * again, compressed, at the next checkpoint. Measured here, committing 1 M candles through the store: batches of
 * 60,000 rows 0.63 M rows/s, of 131,100 rows 0.95 M rows/s; a feed of 500,000 candles/s cost DuckDB's threads
 * 1.5–1.9 µs of CPU per candle committed in ~25,000-row batches and 0.7–0.75 µs in row-group batches.
 */

/** DuckDB's default `row_group_size`. */
export const ROW_GROUP_ROWS = 122_880;

export interface RowGroupHoldInput {
  /** Rows pending now. */
  pendingRows: number;
  /**
   * Rows accepted per second over the last stats interval (500 ms): the feed's rate. Not the growth since the last
   * commit, which after a stall is a catch-up burst that would hold a slow feed's batches (and its latency) too.
   */
  rowsPerSecond: number;
  /** Rows that fill a row group. */
  rowGroupRows: number;
  /** Longest a due batch may wait for them. */
  holdMs: number;
}

/**
 * True when fewer than a row group of rows are pending and, at the feed's rate, the rest of one would arrive within
 * `holdMs`. A feed of 100,000 candles/s needs more than a second for a row group, so it is never held; a backlog
 * drained at 1 M/s is held for tens of ms.
 */
export function holdsForRowGroup(input: RowGroupHoldInput): boolean {
  const { pendingRows, rowsPerSecond, rowGroupRows, holdMs } = input;
  if (pendingRows >= rowGroupRows || !(rowsPerSecond > 0)) return false;
  return ((rowGroupRows - pendingRows) * 1000) / rowsPerSecond <= holdMs;
}
