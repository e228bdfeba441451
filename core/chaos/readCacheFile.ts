/**
 * `readCacheFile()`: everything a scenario checks in a cache file, read read-only after its writer is gone (DuckDB
 * replays a leftover WAL in memory without touching the file). Every column of every table is read, so a torn or
 * corrupted block fails here (DuckDB verifies block checksums as it reads).
 */
import { DuckDBInstance } from "@duckdb/node-api";
import type { Candle } from "../wire/types.ts";
import type { BarKey } from "./expectedBars.ts";

export interface CacheContents {
  /** `candles_latest`: the newest revision of every bar. */
  bars: Map<BarKey, Candle>;
  /** Rows in `candles` (revisions included). */
  candleRows: number;
  /** Bars listed more than once by `candles_latest`. */
  latestDuplicates: number;
  /** Rows of `candles` that repeat another row's bar and lineage (source, epoch, seq): one message stored twice. */
  twins: number;
  /** Rows of `gaps` by state. */
  gaps: Record<string, number>;
  cursors: { source: string; topic: string; epoch: bigint; lastSeq: number }[];
  /** Gaps not filled (open, requested or unfillable). */
  unfilledGaps: { topic: string; epoch: bigint; fromSeq: number; toSeq: number; state: string }[];
}

export async function readCacheFile(path: string): Promise<CacheContents> {
  const instance = await DuckDBInstance.create(path, { access_mode: "READ_ONLY" });
  const connection = await instance.connect();
  const rows = async (sql: string): Promise<unknown[][]> => (await connection.runAndReadAll(sql)).getRows();
  try {
    const bars = new Map<BarKey, Candle>();
    for (
      const [symbol, interval, openTimeMs, open, high, low, close, volume] of await rows(
        `SELECT symbol, interval, epoch_ms(open_time), open, high, low, close, volume FROM candles_latest`,
      )
    ) {
      bars.set(`${symbol}|${interval}|${Number(openTimeMs as bigint)}`, {
        openTimeMs: Number(openTimeMs as bigint),
        open: open as number,
        high: high as number,
        low: low as number,
        close: close as number,
        volume: volume as number,
      });
    }
    const [[candleRows, twins]] = await rows(
      `SELECT count(*), count(*) - count(DISTINCT (symbol, interval, open_time, source, epoch, seq)) FROM candles`,
    );
    const [[latestDuplicates]] = await rows(
      `SELECT count(*) - count(DISTINCT (symbol, interval, open_time)) FROM candles_latest`,
    );
    // Touch every column of every table: a damaged block fails the read.
    for (const table of ["candles", "ticks", "trades", "epochs", "ingest_cursors", "gaps", "meta"]) {
      await rows(`SELECT count(*), max(hash(COLUMNS(*))) FROM ${table}`);
    }
    const gaps: Record<string, number> = {};
    for (const [state, count] of await rows(`SELECT state, count(*) FROM gaps GROUP BY state`)) {
      gaps[state as string] = Number(count as bigint);
    }
    const cursors = (await rows(`SELECT source, topic, epoch, last_seq FROM ingest_cursors ORDER BY topic`)).map((
      [source, topic, epoch, lastSeq],
    ) => ({ source: source as string, topic: topic as string, epoch: epoch as bigint, lastSeq: Number(lastSeq) }));
    const unfilledGaps = (await rows(
      `SELECT topic, epoch, from_seq, to_seq, state FROM gaps WHERE state <> 'filled' ORDER BY topic, from_seq`,
    )).map(([topic, epoch, fromSeq, toSeq, state]) => ({
      topic: topic as string,
      epoch: epoch as bigint,
      fromSeq: Number(fromSeq),
      toSeq: Number(toSeq),
      state: state as string,
    }));
    return {
      bars,
      unfilledGaps,
      candleRows: Number(candleRows as bigint),
      latestDuplicates: Number(latestDuplicates as bigint),
      twins: Number(twins as bigint),
      gaps,
      cursors,
    };
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
