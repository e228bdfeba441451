/**
 * The DuckDB cache of the ingest core: one writer connection, one transaction per `commit()`.
 *
 * Plain async functions over one connection, with no globals, timers or signals, so that the store can run
 * inside a Worker: the appender is synchronous and blocks its thread for the length of a big flush. Every call
 * is queued behind the previous one, because statements from two calls on one connection would otherwise
 * interleave inside a commit's transaction.
 *
 * One store per file, in one process: DuckDB locks the file against other processes, and `<path>.lock`
 * (storeFileLock.ts) also refuses a second store in this process. For more connections, e.g. the notebook's
 * queries, use `store.instance.connect()`. Never open and close the .duckdb file itself from this process (say, to
 * copy it): closing any descriptor of it drops DuckDB's fcntl lock.
 */

import { dirname } from "node:path";
import {
  type DuckDBAppender,
  type DuckDBConnection,
  DuckDBInstance,
  type DuckDBPreparedStatement,
  type DuckDBTimestampValue,
  type DuckDBValue,
  LIST,
  listValue,
  UBIGINT,
  VARCHAR,
} from "@duckdb/node-api";
import type { Candle } from "../wire/types.ts";
import type { Logger } from "../log.ts";
import { appendRows } from "./appendRows.ts";
import { type CandleAppender, createCandleAppender } from "./candleAppender.ts";
import { type CandleColumns, toCandleColumns } from "./candleColumns.ts";
import { buildCandleSummary, type CandleSummary, createCandleSummary, type RefreshResult } from "./candleSummary.ts";
import type { GapRow, GapState, IngestCursor, RowLineage, StoreBatch } from "./storeBatch.ts";
import { storeDirectoryError, storeOpenError } from "./storeOpenError.ts";
import { lockStoreFile, type StoreFileLock } from "./storeFileLock.ts";
import { isFatalStoreError } from "./fatalStoreError.ts";
import {
  COMPACT_CANDLES_SQL,
  LOWER_REVISION_WATERMARK_SQL,
  RAISE_REVISION_WATERMARK_SQL,
  STORE_SCHEMA_VERSION,
  storeSchemaSql,
  tickColumns,
  timestampFromMs,
  tradeColumns,
} from "./storeSchema.ts";

export type {
  CandleRow,
  GapRow,
  GapState,
  GapUpsert,
  IngestCursor,
  RowLineage,
  RowOrigin,
  StoreBatch,
  TickRow,
  TradeRow,
} from "./storeBatch.ts";

export type StoreLogger = Pick<Logger, "info" | "warn">;

export interface StoreOptions {
  logger?: StoreLogger;
  /** Open without writing anything (no DDL); `commit()` and `compact()` then throw. */
  readOnly?: boolean;
  /**
   * Read-only: accept a cache of an older schema version that has not been migrated yet (the caller reads only
   * tables every version has, e.g. `candles`). Default false.
   */
  acceptOlderSchema?: boolean;
}

/** What one commit wrote. */
export interface CommitResult {
  candles: number;
  ticks: number;
  trades: number;
  /** Cursor rows written (advances of the same cursor within one batch count once). */
  cursors: number;
  gaps: number;
  /** Cursor advances ignored because their epoch is older than the stored cursor's. */
  staleCursors: number;
}

export type { RefreshResult } from "./candleSummary.ts";

export interface CompactResult {
  /** Superseded candle revisions deleted. */
  removedRows: number;
}

/** A bar's newest revision, as stored. */
export interface LatestCandle extends Candle {
  /** The newest revision is still the forming bar. */
  partial: boolean;
  /** Lineage of that revision, so the deduper can resume where the last run stopped. */
  source: string;
  epoch: bigint;
  seq: number;
}

export interface Store extends AsyncDisposable {
  readonly path: string;
  readonly readOnly: boolean;
  /** For further connections (e.g. the notebook's read-only queries); close them before `close()`. */
  readonly instance: DuckDBInstance;
  /**
   * Writes rows, cursor advances and gap changes in one transaction: all of them or, on error (which it throws),
   * none. A cursor only moves forward within its epoch and is replaced by a newer epoch's; an epoch's first-seen
   * time is the earliest `recvTimeMs` of its rows in the batch that first mentions it (or now, for a cursor or
   * gap alone). Accumulate rows and commit every ~100 ms or so: each commit costs a few ms whatever its size.
   */
  commit(batch: StoreBatch): Promise<CommitResult>;
  /** One cursor per (source, topic): the newest epoch's. */
  loadCursors(): Promise<IngestCursor[]>;
  /** Gaps still `open` or `requested`, ordered by source, topic, epoch, fromSeq. */
  openGaps(): Promise<GapRow[]>;
  /** The newest revision of the last `limit` bars, ascending by open time. */
  recentCandles(symbol: string, interval: string, options: { limit: number }): Promise<LatestCandle[]>;
  /** Every (source, epoch) seen, oldest first-seen first: the order the sequencer ranks epochs in. */
  loadEpochs(): Promise<{ source: string; epoch: bigint }[]>;
  /** Every cached candle stream as `${symbol}|${interval}`, sorted. */
  streamKeys(): Promise<string[]>;
  /** Open time of the newest stored bar (closed or forming), or null when there is none. */
  lastOpenTimeMs(symbol: string, interval: string): Promise<number | null>;
  /** Folds the WAL into the database file. */
  checkpoint(): Promise<void>;
  /** Deletes superseded candle revisions in one transaction, then checkpoints to reclaim the space. */
  compact(): Promise<CompactResult>;
  /**
   * Brings the hourly summary (`candles_hourly`, see candleSummary.ts) up to the hour of each stream's newest
   * committed bar, in its own transaction; no SQL at all when no stream crossed an hour since the last refresh.
   * The summary is never wrong without it, only slower to read.
   */
  refreshSummary(): Promise<RefreshResult>;
  /** Recomputes the hourly summary from `candles`: for a cache whose candles were written by other means. */
  rebuildSummary(): Promise<RefreshResult>;
  /** Checkpoints and closes the connection and the instance. Idempotent. */
  close(): Promise<void>;
}

type DataTable = "candles" | "ticks" | "trades";

interface EpochRank {
  source: string;
  epoch: bigint;
  /** First-seen time in µs: a later first sighting makes an epoch newer. */
  firstSeenUs: bigint;
}

interface Statements {
  insertEpoch: DuckDBPreparedStatement;
  insertCursor: DuckDBPreparedStatement;
  insertCursors: DuckDBPreparedStatement;
  updateCursor: DuckDBPreparedStatement;
  updateCursors: DuckDBPreparedStatement;
  upsertGap: DuckDBPreparedStatement;
}

/**
 * Up to this many new or changed cursors are written one statement each; more go in one list-valued statement
 * (a start with many new streams, say: each statement is an await, and an await waits for the drain's slice).
 * Measured here: one UPDATE ~0.5 ms, one UPDATE over unnested lists ~2 ms for 1–100 rows, INSERT … ON CONFLICT
 * DO UPDATE ~1.6 ms per row, which is why cursors are not upserted.
 */
const CURSOR_UPDATES_ONE_BY_ONE = 4;

/** Opens (creating if needed) the cache at `path`, or `":memory:"`, and brings its schema up to date. */
export async function openStore(path: string, options: StoreOptions = {}): Promise<Store> {
  const inMemory = path === ":memory:";
  const readOnly = !inMemory && (options.readOnly ?? false);
  if (!inMemory && !readOnly) {
    try {
      await Deno.mkdir(dirname(path), { recursive: true });
    } catch (cause) {
      throw storeDirectoryError(path, cause);
    }
  }
  // Before DuckDB touches the file: a second instance in this process would open it without complaint.
  const lock = inMemory ? null : await lockStoreFile(path, { readOnly });
  let instance: DuckDBInstance;
  try {
    instance = await DuckDBInstance.create(path, readOnly ? { access_mode: "READ_ONLY" } : {});
  } catch (cause) {
    lock?.release();
    throw storeOpenError(path, cause);
  }
  let connection: DuckDBConnection | undefined;
  try {
    connection = await instance.connect();
    const schemaVersion = await ensureSchema(connection, {
      path,
      readOnly,
      acceptOlder: options.acceptOlderSchema ?? false,
      logger: options.logger,
    });
    const statements = readOnly ? undefined : await prepareStatements(connection);
    const candleWriter = readOnly ? null : createCandleAppender(connection);
    const summary = readOnly ? null : await createCandleSummary(connection);
    const epochs = await loadEpochRanks(connection);
    const cursors = new Map((await queryCursors(connection)).map((c) => [cursorKey(c.source, c.topic), c]));
    const revisedFromMs = readOnly ? -Infinity : await readRevisedFromMs(connection);
    options.logger?.info("cache opened", { path, schemaVersion, readOnly });
    return createStore({
      path,
      readOnly,
      instance,
      connection,
      lock,
      statements,
      candleWriter,
      summary,
      epochs,
      cursors,
      revisedFromMs,
      logger: options.logger,
    });
  } catch (cause) {
    connection?.closeSync();
    instance.closeSync();
    lock?.release();
    throw cause;
  }
}

interface StoreParts {
  path: string;
  readOnly: boolean;
  instance: DuckDBInstance;
  connection: DuckDBConnection;
  lock: StoreFileLock | null;
  statements: Statements | undefined;
  candleWriter: CandleAppender | null;
  summary: CandleSummary | null;
  epochs: Map<string, EpochRank>;
  cursors: Map<string, IngestCursor>;
  /** The revision watermark (see storeSchema.ts), as committed; ±Infinity for ±infinity. */
  revisedFromMs: number;
  logger: StoreLogger | undefined;
}

function createStore(parts: StoreParts): Store {
  const { path, readOnly, instance, connection, lock, statements, candleWriter, summary, epochs, cursors, logger } =
    parts;
  let revisedFromMs = parts.revisedFromMs;
  const appenders = new Map<DataTable, DuckDBAppender>();
  let tail: Promise<unknown> = Promise.resolve();
  let closed = false;

  function serial<T>(what: string, fn: () => Promise<T>): Promise<T> {
    const run = tail.then(() => {
      if (closed) throw new Error(`Cannot ${what}: cache ${path} is closed`);
      return fn();
    });
    tail = run.catch(() => {});
    return run;
  }

  function writable(what: string): Statements {
    if (!statements) throw new Error(`Cannot ${what}: cache ${path} was opened read-only`);
    return statements;
  }

  async function appenderFor(table: DataTable): Promise<DuckDBAppender> {
    let appender = appenders.get(table);
    if (!appender) {
      appender = await connection.createAppender(table);
      appenders.set(table, appender);
    }
    return appender;
  }

  /** Drops appenders whose rows may be half-flushed, without flushing them: a flush here would auto-commit. */
  function discardAppenders(): void {
    candleWriter?.reset();
    for (const appender of appenders.values()) {
      try {
        appender.clear();
        appender.closeSync();
      } catch {
        // An appender that failed may refuse to close; it holds no rows any more, so dropping it is enough.
      }
    }
    appenders.clear();
  }

  async function commit(batch: StoreBatch): Promise<CommitResult> {
    const st = writable("commit batch");
    const candles = toCandleColumns(batch.candles);
    const ticks = batch.ticks ?? [];
    const trades = batch.trades ?? [];
    const gaps = batch.gaps ?? [];
    const nowMs = Date.now();
    const newEpochs = findNewEpochs(batch, candles, epochs, nowMs);
    const rankOf = (source: string, epoch: bigint): EpochRank | undefined => {
      const key = epochKey(source, epoch);
      return newEpochs.get(key) ?? epochs.get(key);
    };
    const plan = planCursors(batch.cursors ?? [], cursors, rankOf);
    const result: CommitResult = {
      candles: candles.length,
      ticks: ticks.length,
      trades: trades.length,
      cursors: plan.upserts.length,
      gaps: gaps.length,
      staleCursors: plan.stale.length,
    };
    for (const stale of plan.stale) {
      logger?.warn("stale cursor advance ignored: its epoch is older than the stored cursor's", {
        source: stale.source,
        topic: stale.topic,
        epoch: stale.epoch,
        lastSeq: stale.lastSeq,
      });
    }
    if (
      candles.length + ticks.length + trades.length + plan.upserts.length + gaps.length + newEpochs.size === 0
    ) return result;

    const groups: readonly (readonly { origin: string }[])[] = [candles.streams, ticks, trades];
    for (const rows of groups) {
      if (rows.some((row) => row.origin === "replay")) {
        throw new RangeError("Cannot commit replay rows: a playback must never write to the live tables");
      }
    }
    const summaryPlan = candles.length > 0 ? summary!.plan(candles) : null;
    let oldestMs = Infinity;
    for (const stream of summaryPlan?.streams.values() ?? []) oldestMs = Math.min(oldestMs, stream.minMs);
    await connection.run("BEGIN TRANSACTION");
    try {
      // Usually nothing: live bars are newer than the watermark, which compaction raised or an earlier commit lowered.
      if (oldestMs < revisedFromMs) {
        await connection.run(LOWER_REVISION_WATERMARK_SQL, [BigInt(Math.round(oldestMs * 1000))]);
      }
      if (candles.length > 0) await candleWriter!.write(candles);
      // Usually nothing: only a new stream or a bar older than its summary's watermark writes here.
      if (summaryPlan !== null) await summary!.write(summaryPlan);
      if (ticks.length > 0) appendRows(await appenderFor("ticks"), ticks, tickColumns);
      if (trades.length > 0) appendRows(await appenderFor("trades"), trades, tradeColumns);
      // Flushed inside the transaction, so the rows commit (or roll back) with the cursors and gaps below.
      for (const appender of appenders.values()) appender.flushSync();
      for (const rank of newEpochs.values()) {
        st.insertEpoch.bindVarchar(1, rank.source);
        st.insertEpoch.bindUBigInt(2, rank.epoch);
        st.insertEpoch.bindTimestamp(3, timestampFromMs(Number(rank.firstSeenUs) / 1000));
        await st.insertEpoch.run();
      }
      const updatedAt = timestampFromMs(nowMs);
      await writeCursors(st, plan.upserts, { stored: cursors, updatedAt });
      for (const gap of gaps) {
        st.upsertGap.bindVarchar(1, gap.source);
        st.upsertGap.bindVarchar(2, gap.topic);
        st.upsertGap.bindUBigInt(3, gap.epoch);
        st.upsertGap.bindUBigInt(4, BigInt(gap.fromSeq));
        st.upsertGap.bindUBigInt(5, BigInt(gap.toSeq));
        st.upsertGap.bindVarchar(6, gap.state);
        st.upsertGap.bindInteger(7, gap.attempts);
        st.upsertGap.bindTimestamp(8, updatedAt);
        if (gap.reason === undefined) st.upsertGap.bindNull(9);
        else st.upsertGap.bindVarchar(9, gap.reason);
        await st.upsertGap.run();
      }
      await connection.run("COMMIT");
    } catch (cause) {
      discardAppenders();
      try {
        await connection.run("ROLLBACK");
      } catch {
        // DuckDB already ended the transaction (a failed COMMIT rolls back by itself).
      }
      throw new Error(`Cannot commit batch to cache ${path}: ${errorMessage(cause)}`, { cause });
    }
    // The caches follow the database only once the transaction is durable.
    for (const [key, rank] of newEpochs) epochs.set(key, rank);
    for (const cursor of plan.upserts) cursors.set(cursorKey(cursor.source, cursor.topic), cursor);
    if (summaryPlan !== null) summary!.apply(summaryPlan);
    revisedFromMs = Math.min(revisedFromMs, oldestMs);
    return result;
  }

  async function compact(): Promise<CompactResult> {
    writable("compact candles");
    let removedRows = 0;
    await connection.run("BEGIN TRANSACTION");
    try {
      removedRows = (await connection.run(COMPACT_CANDLES_SQL)).rowsChanged;
      await connection.run(RAISE_REVISION_WATERMARK_SQL);
      await connection.run("COMMIT");
      revisedFromMs = Infinity;
    } catch (cause) {
      try {
        await connection.run("ROLLBACK");
      } catch {
        // Already rolled back by DuckDB.
      }
      throw new Error(`Cannot compact candles in cache ${path}: ${errorMessage(cause)}`, { cause });
    }
    try {
      // Deleted rows only give their space back at a checkpoint.
      await connection.run("CHECKPOINT");
    } catch (cause) {
      // A FATAL error (a full disk, say) invalidated the database: no later checkpoint will happen, say so.
      if (isFatalStoreError(cause)) {
        throw new Error(`Cannot checkpoint cache ${path} after compaction: ${errorMessage(cause)}`, { cause });
      }
      logger?.warn("checkpoint after compaction failed; it will happen at the next one", {
        path,
        error: errorMessage(cause),
      });
    }
    logger?.info("candles compacted", { path, removedRows });
    return { removedRows };
  }

  let closing: Promise<void> | undefined;
  function close(): Promise<void> {
    closing ??= serial("close", async () => {
      closed = true;
      if (summary !== null) {
        try {
          await summary.refresh();
        } catch (cause) {
          logger?.warn("summary refresh on close failed; the next run reads those hours from the bars", {
            path,
            error: errorMessage(cause),
          });
        }
      }
      if (!readOnly) {
        try {
          await connection.run("CHECKPOINT");
        } catch (cause) {
          logger?.warn("checkpoint on close failed; DuckDB will replay the WAL on the next open", {
            path,
            error: errorMessage(cause),
          });
        }
      }
      for (const appender of appenders.values()) appender.closeSync();
      appenders.clear();
      if (statements) { for (const statement of Object.values(statements)) statement.destroySync(); }
      candleWriter?.close();
      connection.closeSync();
      instance.closeSync();
      lock?.release();
    });
    return closing;
  }

  return {
    path,
    readOnly,
    instance,
    commit: (batch) => serial("commit batch", () => commit(batch)),
    loadCursors: () => serial("load cursors", () => queryCursors(connection)),
    openGaps: () => serial("load open gaps", () => queryOpenGaps(connection)),
    recentCandles: (symbol, interval, { limit }) =>
      serial("load recent candles", () => queryRecentCandles(connection, { symbol, interval, limit })),
    loadEpochs: () =>
      serial("load epochs", async () => {
        const reader = await connection.runAndReadAll(
          `SELECT source, epoch FROM epochs ORDER BY first_seen, epoch`,
        );
        return reader.getRows().map(([source, epoch]) => ({ source: source as string, epoch: epoch as bigint }));
      }),
    streamKeys: () =>
      serial("load stream keys", async () => {
        const reader = await connection.runAndReadAll(
          `SELECT DISTINCT symbol || '|' || interval AS key FROM candles ORDER BY key`,
        );
        return reader.getRows().map(([key]) => key as string);
      }),
    lastOpenTimeMs: (symbol, interval) =>
      serial("load last open time", () => queryLastOpenTimeMs(connection, symbol, interval)),
    checkpoint: () =>
      serial("checkpoint", async () => {
        if (readOnly) return;
        try {
          await connection.run("CHECKPOINT");
        } catch (cause) {
          throw new Error(`Cannot checkpoint cache ${path}: ${errorMessage(cause)}`, { cause });
        }
      }),
    compact: () => serial("compact candles", compact),
    refreshSummary: () =>
      serial("refresh the candle summary", () => {
        writable("refresh the candle summary");
        return summary!.refresh();
      }),
    rebuildSummary: () =>
      serial("rebuild the candle summary", () => {
        writable("rebuild the candle summary");
        const started = performance.now();
        return summary!.rebuild((done, total) =>
          logger?.info("building the hourly candle summary", { done, total, elapsedMs: elapsedMs(started) })
        );
      }),
    close,
    [Symbol.asyncDispose]: close,
  };
}

async function ensureSchema(
  connection: DuckDBConnection,
  { path, readOnly, acceptOlder, logger }: {
    path: string;
    readOnly: boolean;
    acceptOlder: boolean;
    logger: StoreLogger | undefined;
  },
): Promise<number> {
  const stored = await storedSchemaVersion(connection);
  if (stored !== null && stored > STORE_SCHEMA_VERSION) {
    throw new Error(
      `Cannot open cache ${path}: its schema version is ${stored}, newer than the ${STORE_SCHEMA_VERSION} this ` +
        `fluxbook knows; use a newer fluxbook or another cache file`,
    );
  }
  if (readOnly) {
    if (stored !== null && stored < STORE_SCHEMA_VERSION && acceptOlder) return stored;
    if (stored !== STORE_SCHEMA_VERSION) {
      throw new Error(
        `Cannot open cache ${path} read-only: its schema version is ${stored ?? "missing"}, ` +
          `expected ${STORE_SCHEMA_VERSION}; open it writable once to create or migrate it`,
      );
    }
    return stored;
  }
  // Migrations from older versions run after the (idempotent) DDL, in the same transaction: a kill midway leaves
  // the old version, migrated again on the next open.
  await connection.run("BEGIN TRANSACTION");
  try {
    for (const sql of storeSchemaSql()) await connection.run(sql);
    if (stored !== null && stored < 2) {
      // Version 2 added the hourly summary: built once from the bars already cached.
      const started = performance.now();
      logger?.info("building the hourly candle summary (once, for this cache's schema upgrade)", { path });
      const built = await buildCandleSummary(
        connection,
        (done, total) =>
          logger?.info("building the hourly candle summary", { done, total, elapsedMs: elapsedMs(started) }),
      );
      logger?.info("hourly candle summary built", { ...built, elapsedMs: elapsedMs(started) });
    }
    if (stored === null || stored < 3) {
      // Version 3 added the revision watermark: compact once (every bar ranked, this one time) and raise it.
      const started = performance.now();
      if (stored !== null) logger?.info("compacting the candles (once, for this cache's schema upgrade)", { path });
      const removedRows = (await connection.run(COMPACT_CANDLES_SQL)).rowsChanged;
      await connection.run(RAISE_REVISION_WATERMARK_SQL);
      if (stored !== null) logger?.info("candles compacted", { path, removedRows, elapsedMs: elapsedMs(started) });
    }
    await connection.run(`UPDATE meta SET value = '${STORE_SCHEMA_VERSION}' WHERE key = 'schema_version'`);
    await connection.run("COMMIT");
  } catch (cause) {
    await connection.run("ROLLBACK").catch(() => {});
    throw new Error(`Cannot open cache ${path}: creating its schema failed: ${errorMessage(cause)}`, { cause });
  }
  return STORE_SCHEMA_VERSION;
}

/** The revision watermark in ms since the Unix epoch; ±Infinity for DuckDB's ±infinity. */
async function readRevisedFromMs(connection: DuckDBConnection): Promise<number> {
  const [[value]] = (await connection.runAndReadAll(
    `SELECT CASE WHEN revised_from = 'infinity'::TIMESTAMP THEN 'inf' WHEN revised_from = '-infinity'::TIMESTAMP
      THEN '-inf' ELSE CAST(epoch_us(revised_from) AS VARCHAR) END FROM revision_watermark`,
  )).getRows();
  if (value === "inf") return Infinity;
  if (value === "-inf") return -Infinity;
  return Number(value) / 1000;
}

async function storedSchemaVersion(connection: DuckDBConnection): Promise<number | null> {
  const tables = await connection.runAndReadAll(
    `SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'main' AND table_name = 'meta'`,
  );
  if (tables.getRows()[0][0] === 0n) return null;
  const rows = (await connection.runAndReadAll(`SELECT value FROM meta WHERE key = 'schema_version'`)).getRows();
  return rows.length === 0 ? null : Number(rows[0][0]);
}

async function prepareStatements(connection: DuckDBConnection): Promise<Statements> {
  return {
    // The caches know which epochs and cursors exist, so plain INSERTs and UPDATEs do (see above).
    insertEpoch: await connection.prepare(`INSERT INTO epochs VALUES ($1, $2, $3)`),
    insertCursor: await connection.prepare(`INSERT INTO ingest_cursors VALUES ($1, $2, $3, $4, $5)`),
    insertCursors: await connection.prepare(
      `INSERT INTO ingest_cursors SELECT unnest($1::VARCHAR[]), unnest($2::VARCHAR[]), unnest($3::UBIGINT[]),
       unnest($4::UBIGINT[]), $5`,
    ),
    updateCursor: await connection.prepare(
      `UPDATE ingest_cursors SET epoch = $3, last_seq = $4, updated_at = $5 WHERE source = $1 AND topic = $2`,
    ),
    updateCursors: await connection.prepare(
      `UPDATE ingest_cursors c SET epoch = v.epoch, last_seq = v.last_seq, updated_at = $5
       FROM (SELECT unnest($1::VARCHAR[]) AS source, unnest($2::VARCHAR[]) AS topic,
                    unnest($3::UBIGINT[]) AS epoch, unnest($4::UBIGINT[]) AS last_seq) v
       WHERE c.source = v.source AND c.topic = v.topic`,
    ),
    upsertGap: await connection.prepare(
      `INSERT INTO gaps (source, topic, epoch, from_seq, to_seq, state, attempts, opened_at, updated_at, reason)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9)
       ON CONFLICT (source, topic, epoch, from_seq) DO UPDATE
       SET to_seq = excluded.to_seq, state = excluded.state, attempts = excluded.attempts,
           updated_at = excluded.updated_at, reason = excluded.reason`,
    ),
  };
}

/** Writes planned cursor rows: INSERT for a (source, topic) never stored, UPDATE for the others. */
async function writeCursors(
  st: Statements,
  upserts: readonly IngestCursor[],
  context: { stored: Map<string, IngestCursor>; updatedAt: DuckDBTimestampValue },
): Promise<void> {
  const inserts: IngestCursor[] = [];
  const updates: IngestCursor[] = [];
  for (const cursor of upserts) {
    (context.stored.has(cursorKey(cursor.source, cursor.topic)) ? updates : inserts).push(cursor);
  }
  const writes = [
    { rows: inserts, one: st.insertCursor, many: st.insertCursors },
    { rows: updates, one: st.updateCursor, many: st.updateCursors },
  ];
  for (const { rows, one, many } of writes) {
    if (rows.length > CURSOR_UPDATES_ONE_BY_ONE) {
      bindCursorLists(many, rows, context.updatedAt);
      await many.run();
      continue;
    }
    for (const cursor of rows) {
      bindCursor(one, cursor, context.updatedAt);
      await one.run();
    }
  }
}

function bindCursorLists(
  statement: DuckDBPreparedStatement,
  cursors: readonly IngestCursor[],
  updatedAt: DuckDBTimestampValue,
): void {
  statement.bindList(1, listValue(cursors.map((c) => c.source)), LIST(VARCHAR));
  statement.bindList(2, listValue(cursors.map((c) => c.topic)), LIST(VARCHAR));
  statement.bindList(3, listValue(cursors.map((c) => c.epoch)), LIST(UBIGINT));
  statement.bindList(4, listValue(cursors.map((c) => BigInt(c.lastSeq))), LIST(UBIGINT));
  statement.bindTimestamp(5, updatedAt);
}

function bindCursor(statement: DuckDBPreparedStatement, cursor: IngestCursor, updatedAt: DuckDBTimestampValue): void {
  statement.bindVarchar(1, cursor.source);
  statement.bindVarchar(2, cursor.topic);
  statement.bindUBigInt(3, cursor.epoch);
  statement.bindUBigInt(4, BigInt(cursor.lastSeq));
  statement.bindTimestamp(5, updatedAt);
}

async function loadEpochRanks(connection: DuckDBConnection): Promise<Map<string, EpochRank>> {
  const reader = await connection.runAndReadAll(`SELECT source, epoch, epoch_us(first_seen) FROM epochs`);
  const ranks = new Map<string, EpochRank>();
  for (const [source, epoch, firstSeenUs] of reader.getRows()) {
    const rank = { source: source as string, epoch: epoch as bigint, firstSeenUs: firstSeenUs as bigint };
    ranks.set(epochKey(rank.source, rank.epoch), rank);
  }
  return ranks;
}

async function queryCursors(connection: DuckDBConnection): Promise<IngestCursor[]> {
  const reader = await connection.runAndReadAll(
    `SELECT source, topic, epoch, last_seq FROM ingest_cursors ORDER BY source, topic`,
  );
  return reader.getRows().map(([source, topic, epoch, lastSeq]) => ({
    source: source as string,
    topic: topic as string,
    epoch: epoch as bigint,
    lastSeq: Number(lastSeq as bigint),
  }));
}

async function queryOpenGaps(connection: DuckDBConnection): Promise<GapRow[]> {
  const reader = await connection.runAndReadAll(
    `SELECT source, topic, epoch, from_seq, to_seq, state, attempts, reason, epoch_ms(opened_at), epoch_ms(updated_at)
     FROM gaps WHERE state IN ('open', 'requested') ORDER BY source, topic, epoch, from_seq`,
  );
  return reader.getRows().map((row): GapRow => {
    const [source, topic, epoch, fromSeq, toSeq, state, attempts, reason, openedAtMs, updatedAtMs] = row;
    const gap: GapRow = {
      source: source as string,
      topic: topic as string,
      epoch: epoch as bigint,
      fromSeq: Number(fromSeq as bigint),
      toSeq: Number(toSeq as bigint),
      state: state as GapState,
      attempts: attempts as number,
      openedAtMs: Number(openedAtMs as bigint),
      updatedAtMs: Number(updatedAtMs as bigint),
    };
    if (reason !== null) gap.reason = reason as string;
    return gap;
  });
}

async function queryRecentCandles(
  connection: DuckDBConnection,
  query: { symbol: string; interval: string; limit: number },
): Promise<LatestCandle[]> {
  if (!Number.isSafeInteger(query.limit) || query.limit < 0) {
    throw new RangeError(`Cannot load recent candles: limit must be a non-negative integer, got ${query.limit}`);
  }
  // Filtering on the view's partition keys lets DuckDB push the filter below the window.
  const reader = await connection.runAndReadAll(
    `SELECT epoch_ms(open_time), open, high, low, close, volume, partial, source, epoch, seq FROM candles_latest
     WHERE symbol = $1 AND interval = $2 ORDER BY open_time DESC LIMIT $3`,
    [query.symbol, query.interval, query.limit],
  );
  const rows = reader.getRows();
  const candles: LatestCandle[] = new Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const [openTimeMs, open, high, low, close, volume, partial, source, epoch, seq] = rows[rows.length - 1 - i];
    candles[i] = {
      openTimeMs: Number(openTimeMs as bigint),
      open: open as number,
      high: high as number,
      low: low as number,
      close: close as number,
      volume: volume as number,
      partial: partial as boolean,
      source: source as string,
      epoch: epoch as bigint,
      seq: Number(seq as bigint),
    };
  }
  return candles;
}

async function queryLastOpenTimeMs(
  connection: DuckDBConnection,
  symbol: string,
  interval: string,
): Promise<number | null> {
  const reader = await connection.runAndReadAll(
    `SELECT epoch_ms(max(open_time)) FROM candles WHERE symbol = $1 AND interval = $2`,
    [symbol, interval],
  );
  const value: DuckDBValue = reader.getRows()[0][0];
  return value === null ? null : Number(value as bigint);
}

function epochKey(source: string, epoch: bigint): string {
  return `${source}\u0000${epoch}`;
}

function cursorKey(source: string, topic: string): string {
  return `${source}\u0000${topic}`;
}

interface FreshEpoch {
  source: string;
  epoch: bigint;
  firstSeenMs: number;
}

/**
 * Epochs this batch mentions that the cache has not seen. An epoch's first-seen time is the earliest receive
 * time of its rows in the batch, or now when only a cursor or gap mentions it.
 */
function findNewEpochs(
  batch: StoreBatch,
  candles: CandleColumns,
  known: Map<string, EpochRank>,
  nowMs: number,
): Map<string, EpochRank> {
  const fresh = new Map<string, FreshEpoch>();
  // Candles: the earliest receive time per stream, then per (source, epoch) of the new ones.
  const firstRecv = new Float64Array(candles.streams.length).fill(Infinity);
  for (let i = 0; i < candles.length; i++) {
    const s = candles.stream[i];
    if (candles.recvTimeMs[i] < firstRecv[s]) firstRecv[s] = candles.recvTimeMs[i];
  }
  candles.streams.forEach((stream, s) => {
    const key = epochKey(stream.source, stream.epoch);
    if (known.has(key)) return;
    const entry = fresh.get(key);
    if (!entry) fresh.set(key, { source: stream.source, epoch: stream.epoch, firstSeenMs: firstRecv[s] });
    else entry.firstSeenMs = Math.min(entry.firstSeenMs, firstRecv[s]);
  });
  const scan = (rows: readonly RowLineage[]): void => {
    // Rows come in runs of one (source, epoch); only a change of pair needs a map look-up.
    let source: string | undefined;
    let epoch: bigint | undefined;
    let entry: FreshEpoch | undefined;
    for (const row of rows) {
      if (row.source !== source || row.epoch !== epoch) {
        source = row.source;
        epoch = row.epoch;
        const key = epochKey(source, epoch);
        entry = known.has(key) ? undefined : fresh.get(key);
        if (!entry && !known.has(key)) {
          entry = { source, epoch, firstSeenMs: row.recvTimeMs };
          fresh.set(key, entry);
        }
      }
      if (entry && row.recvTimeMs < entry.firstSeenMs) entry.firstSeenMs = row.recvTimeMs;
    }
  };
  scan(batch.ticks ?? []);
  scan(batch.trades ?? []);
  for (const { source, epoch } of [...(batch.cursors ?? []), ...(batch.gaps ?? [])]) {
    const key = epochKey(source, epoch);
    if (!known.has(key) && !fresh.has(key)) fresh.set(key, { source, epoch, firstSeenMs: nowMs });
  }
  const ranks = new Map<string, EpochRank>();
  for (const [key, { source, epoch, firstSeenMs }] of fresh) {
    ranks.set(key, { source, epoch, firstSeenUs: BigInt(Math.round(firstSeenMs * 1000)) });
  }
  return ranks;
}

/** True when epoch `a` is newer than `b`: first seen later, or (seen at the same µs) a larger epoch value. */
function isNewer(a: EpochRank, b: EpochRank): boolean {
  return a.firstSeenUs !== b.firstSeenUs ? a.firstSeenUs > b.firstSeenUs : a.epoch > b.epoch;
}

/**
 * The cursor rows to write: within an epoch a cursor only moves forward; a newer epoch replaces it; an advance
 * from an older epoch (a late backfill reply, say) is stale and ignored.
 */
function planCursors(
  advances: readonly IngestCursor[],
  stored: Map<string, IngestCursor>,
  rankOf: (source: string, epoch: bigint) => EpochRank | undefined,
): { upserts: IngestCursor[]; stale: IngestCursor[] } {
  const next = new Map<string, IngestCursor>();
  const stale: IngestCursor[] = [];
  for (const advance of advances) {
    const key = cursorKey(advance.source, advance.topic);
    const current = next.get(key) ?? stored.get(key);
    const cursor = { source: advance.source, topic: advance.topic, epoch: advance.epoch, lastSeq: advance.lastSeq };
    if (!current) {
      next.set(key, cursor);
    } else if (current.epoch === advance.epoch) {
      if (advance.lastSeq > current.lastSeq) next.set(key, cursor);
    } else {
      const a = rankOf(advance.source, advance.epoch);
      const b = rankOf(current.source, current.epoch);
      if (!b || (a && isNewer(a, b))) next.set(key, cursor);
      else stale.push(cursor);
    }
  }
  return { upserts: [...next.values()], stale };
}

function elapsedMs(startedMs: number): number {
  return Math.round(performance.now() - startedMs);
}

function errorMessage(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
