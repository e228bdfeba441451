/**
 * `createCandleStaging()`: the fast path for candle rows. Appender cannot fill VARCHAR columns without one
 * native call per value, and the candles table has four of them (symbol, interval, source, origin) plus a
 * BigInt and a timestamp object per row. So candles are appended as numbers only — a small stream id and the
 * values — into a TEMP staging table, and one vectorized `INSERT … SELECT` joins the strings back in, inside the
 * caller's transaction. Measured in bench/ingest.ts: see the README's figures.
 */
import {
  BOOLEAN,
  DOUBLE,
  type DuckDBAppender,
  type DuckDBConnection,
  DuckDBDataChunk,
  type DuckDBPreparedStatement,
  INTEGER,
} from "@duckdb/node-api";
import type { CandleRow } from "./storeBatch.ts";
import { CHUNK_ROWS } from "./appendRows.ts";

const STAGING_TYPES = [INTEGER, DOUBLE, DOUBLE, DOUBLE, DOUBLE, DOUBLE, DOUBLE, BOOLEAN, DOUBLE, DOUBLE];

export interface CandleStaging {
  /** Appends `rows` to the staging table and moves them into `candles`; call inside a transaction. */
  write(rows: readonly CandleRow[]): Promise<void>;
  /** After a rollback: the appender may hold half a chunk. */
  reset(): void;
  close(): void;
}

/** Sets up the TEMP tables on the writer connection. Nothing of them is ever persisted. */
export async function createCandleStaging(connection: DuckDBConnection): Promise<CandleStaging> {
  await connection.run(`CREATE TEMP TABLE IF NOT EXISTS candle_streams (
    id INTEGER, symbol VARCHAR, interval VARCHAR, source VARCHAR, epoch UBIGINT, origin VARCHAR)`);
  await connection.run(`CREATE TEMP TABLE IF NOT EXISTS candles_staging (
    id INTEGER, open_time_ms DOUBLE, open DOUBLE, high DOUBLE, low DOUBLE, close DOUBLE, volume DOUBLE,
    partial BOOLEAN, seq DOUBLE, recv_ms DOUBLE)`);
  const insertStream: DuckDBPreparedStatement = await connection.prepare(
    `INSERT INTO candle_streams VALUES ($1, $2, $3, $4, $5, $6)`,
  );
  /** Stream lineage → id; ids are written (outside any transaction) before rows use them. */
  const ids = new Map<string, number>();
  let appender: DuckDBAppender | null = null;
  /** After a failed commit the staging table may hold rows that an auto-committing close let through. */
  let dirty = false;

  async function idOf(row: CandleRow): Promise<number> {
    const key = `${row.symbol}\u0000${row.interval}\u0000${row.source}\u0000${row.epoch}\u0000${row.origin}`;
    let id = ids.get(key);
    if (id === undefined) {
      id = ids.size + 1;
      insertStream.bindInteger(1, id);
      insertStream.bindVarchar(2, row.symbol);
      insertStream.bindVarchar(3, row.interval);
      insertStream.bindVarchar(4, row.source);
      insertStream.bindUBigInt(5, row.epoch);
      insertStream.bindVarchar(6, row.origin);
      await insertStream.run();
      ids.set(key, id);
    }
    return id;
  }

  function reset(): void {
    try {
      // Cleared first: closing flushes, and a flush outside the transaction would commit.
      appender?.clear();
      appender?.closeSync();
    } catch {
      // A broken appender is dropped all the same.
    }
    appender = null;
    dirty = true;
  }

  return {
    async write(rows) {
      // Rows of one frame share their lineage, so the id lookup is mostly a cache hit on the previous row.
      const rowIds = new Int32Array(rows.length);
      let previous: CandleRow | null = null;
      let previousId = 0;
      for (let i = 0; i < rows.length; i++) {
        const row = rows[i];
        if (
          previous === null || row.symbol !== previous.symbol || row.interval !== previous.interval ||
          row.source !== previous.source || row.epoch !== previous.epoch || row.origin !== previous.origin
        ) {
          previousId = await idOf(row);
          previous = row;
        }
        rowIds[i] = previousId;
      }
      if (dirty) {
        await connection.run(`DELETE FROM candles_staging`);
        dirty = false;
      }
      appender ??= await connection.createAppender("candles_staging", "main", "temp");
      for (let start = 0; start < rows.length; start += CHUNK_ROWS) {
        const count = Math.min(CHUNK_ROWS, rows.length - start);
        const chunk = DuckDBDataChunk.create(STAGING_TYPES, count);
        const vectors = STAGING_TYPES.map((_, c) => chunk.getColumnVector(c));
        for (let i = 0; i < count; i++) {
          const row = rows[start + i];
          vectors[0].setItem(i, rowIds[start + i]);
          vectors[1].setItem(i, row.openTimeMs);
          vectors[2].setItem(i, row.open);
          vectors[3].setItem(i, row.high);
          vectors[4].setItem(i, row.low);
          vectors[5].setItem(i, row.close);
          vectors[6].setItem(i, row.volume);
          vectors[7].setItem(i, row.partial);
          vectors[8].setItem(i, row.seq);
          vectors[9].setItem(i, row.recvTimeMs);
        }
        for (const vector of vectors) vector.flush();
        appender.appendDataChunk(chunk);
      }
      appender.flushSync();
      await connection.run(`INSERT INTO candles
          (symbol, interval, open_time, open, high, low, close, volume, partial, source, epoch, seq, recv_time, origin)
        SELECT d.symbol, d.interval, make_timestamp(CAST(s.open_time_ms * 1000 AS BIGINT)), s.open, s.high, s.low,
          s.close, s.volume, s.partial, d.source, d.epoch, CAST(s.seq AS UBIGINT),
          make_timestamp(CAST(round(s.recv_ms * 1000) AS BIGINT)), d.origin
        FROM candles_staging s JOIN candle_streams d ON d.id = s.id`);
      await connection.run(`DELETE FROM candles_staging`);
    },
    reset,
    close() {
      reset();
      insertStream.destroySync();
    },
  };
}
