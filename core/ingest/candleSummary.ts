/**
 * `createCandleSummary()`: the hourly summary of `candles_latest` that lets a chart zoomed out to months or years
 * read a few thousand hour rows instead of ranking hundreds of thousands of bar revisions.
 *
 * `candles_hourly` holds one OHLCV row per (symbol, interval, hour), OHLC-correct over each bar's newest revision
 * (open of the first bar by time, highest high, lowest low, close of the last bar, summed volume). It is derived
 * data with a watermark per stream, `summary_watermarks.through`: hours before it are complete and correct in the
 * summary; bars at or after it are read from `candles_latest` at query time (the forming hour, and whatever was
 * committed since the last refresh). A reader that honours the watermark is never wrong, however stale the
 * summary is.
 *
 * Who moves the watermark:
 * - `refresh()` (the ingest calls it every few seconds, the store on close) summarises, in its own transaction,
 *   the hours from each touched stream's watermark up to the hour of its newest committed bar, and advances the
 *   watermark there. When nothing crossed an hour since the last refresh it runs no SQL at all.
 * - A commit lowers it, in the commit's own transaction, when it writes a bar older than the watermark (a backfill
 *   of old hours, a new epoch re-sending bars), and creates it for a stream seen for the first time. Doing this in
 *   the commit rather than remembering it for the next refresh is what makes the summary crash-safe: a kill between
 *   the commit and the refresh leaves a lowered watermark on disk, not a stale hour the summary claims is complete.
 *   The usual commit (live bars of the forming hour) finds nothing to write: its cost is one pass over the rows'
 *   open times, and a map look-up per run of one stream.
 *
 * `summary_watermarks` also keeps, per stream, the open time of its first bar below the watermark, so that a
 * stream's first and last bar are known without scanning its rows (see candleViewport.ts).
 *
 * Everything here runs on the store's writer connection, inside the store's serial queue.
 */
import { BIGINT, type DuckDBConnection, LIST, listValue, VARCHAR } from "@duckdb/node-api";
import { parseInterval } from "./interval.ts";
import { NEWEST_REVISION_FIRST } from "./storeSchema.ts";
import type { CandleColumns } from "./candleColumns.ts";

export const SUMMARY_HOUR_MS = 3_600_000;
/**
 * Bars of one stream a refresh pass summarises at most (1 000 one-minute bars: 16 whole hours). A live stream
 * crosses one hour per hour; a replay at 100 000 candles/s crosses dozens per pass, and an unbounded pass then
 * held the writer for 100–300 ms (measured in bench/ingest.ts: publish→commit p99 55–240 ms, 42–55 ms bounded).
 */
const REFRESH_BARS = 1_000;

/** A stream's bar length; an interval this code cannot parse counts as one minute (only the step size uses it). */
function intervalMsOf(interval: string): number {
  try {
    return parseInterval(interval);
  } catch {
    return 60_000;
  }
}

/** What one commit's candles change in the summary's bookkeeping; made before, written inside the transaction. */
export interface SummaryPlan {
  /** Per stream of the batch: its earliest and newest open time in the batch. */
  streams: Map<string, { symbol: string; interval: string; minMs: number; maxMs: number }>;
  /** Watermarks to create (a new stream) or lower (a bar older than it), as hour starts in ms. */
  lowered: { key: string; symbol: string; interval: string; throughMs: number }[];
}

export interface RefreshResult {
  /** Streams whose watermark advanced. */
  streams: number;
  /** Hour rows written. */
  hours: number;
}

export interface CandleSummary {
  /** Pure but for reading the known watermarks: what committing `candles` changes. */
  plan(candles: CandleColumns): SummaryPlan;
  /** Inside the commit's transaction: creates or lowers watermarks (usually nothing to do). */
  write(plan: SummaryPlan): Promise<void>;
  /** After the commit is durable. */
  apply(plan: SummaryPlan): void;
  /** Summarises the touched streams' complete hours and advances their watermarks, in one transaction. */
  refresh(): Promise<RefreshResult>;
  /** Recomputes the whole summary, in one transaction (a cache written by other means than `commit()`). */
  rebuild(onProgress?: (done: number, total: number) => void): Promise<RefreshResult>;
}

interface Target {
  key: string;
  symbol: string;
  interval: string;
  /** null: from the stream's first bar. */
  fromMs: number | null;
  toMs: number;
}

const TARGETS_TABLE = `CREATE TEMP TABLE IF NOT EXISTS summary_targets (
  symbol VARCHAR, interval VARCHAR, from_time TIMESTAMP, to_time TIMESTAMP)`;

/** `$lo`/`$hi` bound the scan by constants, so DuckDB skips row groups by their open_time min/max. */
const SUMMARISE_SQL = `INSERT INTO candles_hourly
  SELECT symbol, interval, date_trunc('hour', open_time) AS hour,
    arg_min(open, open_time), max(high), min(low), arg_max(close, open_time), sum(volume),
    count(*)::INTEGER, min(open_time), max(open_time)
  FROM (
    SELECT c.symbol, c.interval, c.open_time, c.open, c.high, c.low, c.close, c.volume
    FROM candles c
    JOIN summary_targets t ON t.symbol = c.symbol AND t.interval = c.interval
    LEFT JOIN epochs e ON e.source = c.source AND e.epoch = c.epoch
    WHERE c.open_time >= make_timestamp($lo) AND c.open_time < make_timestamp($hi)
      AND c.open_time >= coalesce(t.from_time, '-infinity'::TIMESTAMP) AND c.open_time < t.to_time
    QUALIFY row_number() OVER (PARTITION BY c.symbol, c.interval, c.open_time ORDER BY ${NEWEST_REVISION_FIRST}) = 1
  )
  GROUP BY symbol, interval, hour`;

const ADVANCE_SQL = `UPDATE summary_watermarks w SET through = t.to_time, first_time = least(w.first_time, f.first_time)
  FROM summary_targets t LEFT JOIN (
    SELECT h.symbol, h.interval, min(h.first_time) AS first_time FROM candles_hourly h
    JOIN summary_targets t2 ON t2.symbol = h.symbol AND t2.interval = h.interval
    WHERE h.hour >= make_timestamp($lo) AND h.hour >= coalesce(t2.from_time, '-infinity'::TIMESTAMP)
    GROUP BY h.symbol, h.interval
  ) f ON f.symbol = t.symbol AND f.interval = t.interval
  WHERE w.symbol = t.symbol AND w.interval = t.interval`;

const LOWER_SQL = `INSERT INTO summary_watermarks (symbol, interval, through)
  SELECT s, i, make_timestamp(t) FROM (SELECT unnest($symbols) AS s, unnest($intervals) AS i, unnest($times) AS t)
  ON CONFLICT (symbol, interval) DO UPDATE SET through = least(summary_watermarks.through, excluded.through)`;

/** Slices of a rebuild, so that it can report progress and no single statement sorts the whole table. */
const REBUILD_SLICES = 12;

/** The summary's bookkeeping on the store's writer connection; reads the watermarks once. */
export async function createCandleSummary(connection: DuckDBConnection): Promise<CandleSummary> {
  await connection.run(TARGETS_TABLE);
  /** The persisted watermarks, as hour starts in ms: exactly what `summary_watermarks` holds. */
  const through = await loadWatermarks(connection);
  /** Streams committed to since the last refresh. */
  const touched = new Map<string, { symbol: string; interval: string }>();
  /**
   * Newest open time committed per stream by this process: where a refresh takes the watermark, also after a
   * backfill lowered it. (After a restart, the first commits of a stream set it; until then its watermark waits.)
   */
  const newest = new Map<string, number>();

  function plan(candles: CandleColumns): SummaryPlan {
    const streams: SummaryPlan["streams"] = new Map();
    // Min and max open time per lineage (typed arrays, one pass), then merged per (symbol, interval).
    const count = candles.streams.length;
    const minByStream = new Float64Array(count).fill(Infinity);
    const maxByStream = new Float64Array(count).fill(-Infinity);
    for (let i = 0; i < candles.length; i++) {
      const s = candles.stream[i];
      const t = candles.openTimeMs[i];
      if (t < minByStream[s]) minByStream[s] = t;
      if (t > maxByStream[s]) maxByStream[s] = t;
    }
    candles.streams.forEach((lineage, s) => {
      if (minByStream[s] === Infinity) return;
      const key = streamKey(lineage.symbol, lineage.interval);
      const entry = streams.get(key);
      if (entry === undefined) {
        streams.set(key, {
          symbol: lineage.symbol,
          interval: lineage.interval,
          minMs: minByStream[s],
          maxMs: maxByStream[s],
        });
      } else {
        entry.minMs = Math.min(entry.minMs, minByStream[s]);
        entry.maxMs = Math.max(entry.maxMs, maxByStream[s]);
      }
    });
    const lowered: SummaryPlan["lowered"] = [];
    for (const [key, stream] of streams) {
      const hourMs = hourOf(stream.minMs);
      const current = through.get(key);
      if (current === undefined || hourMs < current) {
        lowered.push({ key, symbol: stream.symbol, interval: stream.interval, throughMs: hourMs });
      }
    }
    return { streams, lowered };
  }

  async function write(plan: SummaryPlan): Promise<void> {
    if (plan.lowered.length === 0) return;
    await connection.run(LOWER_SQL, {
      symbols: listValue(plan.lowered.map((l) => l.symbol)),
      intervals: listValue(plan.lowered.map((l) => l.interval)),
      times: listValue(plan.lowered.map((l) => BigInt(l.throughMs) * 1000n)),
    }, { symbols: LIST(VARCHAR), intervals: LIST(VARCHAR), times: LIST(BIGINT) });
  }

  function apply(plan: SummaryPlan): void {
    for (const l of plan.lowered) through.set(l.key, Math.min(through.get(l.key) ?? Infinity, l.throughMs));
    for (const [key, stream] of plan.streams) {
      if (!touched.has(key)) touched.set(key, { symbol: stream.symbol, interval: stream.interval });
      if (stream.maxMs > (newest.get(key) ?? -Infinity)) newest.set(key, stream.maxMs);
    }
  }

  async function refresh(): Promise<RefreshResult> {
    const targets: Target[] = [];
    const unfinished: [string, { symbol: string; interval: string }][] = [];
    for (const [key, stream] of touched) {
      const fromMs = through.get(key);
      const newestHourMs = hourOf(newest.get(key)!);
      // A bounded step per stream and pass (about REFRESH_BARS bars), so that a refresh never holds the writer long
      // after a replay or a backfill of old hours; the rest follows at the next passes, read from the bars till then.
      const stepMs = Math.max(SUMMARY_HOUR_MS, hourOf(REFRESH_BARS * intervalMsOf(stream.interval)));
      const toMs = fromMs === undefined ? newestHourMs : Math.min(newestHourMs, fromMs + stepMs);
      if (toMs < newestHourMs) unfinished.push([key, stream]);
      // The forming hour stays above the watermark: summarising it would be undone by its next revision.
      if (fromMs !== undefined && toMs > fromMs) {
        targets.push({ key, symbol: stream.symbol, interval: stream.interval, fromMs, toMs });
      }
    }
    touched.clear();
    for (const [key, stream] of unfinished) touched.set(key, stream);
    if (targets.length === 0) return { streams: 0, hours: 0 };
    const loMs = Math.min(...targets.map((t) => t.fromMs!));
    const hiMs = Math.max(...targets.map((t) => t.toMs));
    let hours = 0;
    await connection.run("BEGIN TRANSACTION");
    try {
      await fillTargets(connection, targets);
      await connection.run(`DELETE FROM candles_hourly h USING summary_targets t
        WHERE h.symbol = t.symbol AND h.interval = t.interval AND h.hour >= t.from_time`);
      hours = await summarise(connection, loMs, hiMs);
      await advance(connection, loMs);
      await connection.run("COMMIT");
    } catch (cause) {
      await connection.run("ROLLBACK").catch(() => {});
      // Touched again, so the next refresh retries them.
      for (const t of targets) touched.set(t.key, { symbol: t.symbol, interval: t.interval });
      throw new Error(`Cannot refresh the candle summary of ${targets.length} streams: ${errorMessage(cause)}`, {
        cause,
      });
    }
    for (const t of targets) through.set(t.key, t.toMs);
    return { streams: targets.length, hours };
  }

  async function rebuild(onProgress?: (done: number, total: number) => void): Promise<RefreshResult> {
    await connection.run("BEGIN TRANSACTION");
    let result: RefreshResult;
    try {
      result = await buildCandleSummary(connection, onProgress);
      await connection.run("COMMIT");
    } catch (cause) {
      await connection.run("ROLLBACK").catch(() => {});
      throw new Error(`Cannot rebuild the candle summary: ${errorMessage(cause)}`, { cause });
    }
    through.clear();
    for (const [key, ms] of await loadWatermarks(connection)) through.set(key, ms);
    touched.clear();
    newest.clear();
    return result;
  }

  return { plan, write, apply, refresh, rebuild };
}

/**
 * Recomputes `candles_hourly` and `summary_watermarks` from `candles`, inside the caller's transaction (the schema
 * migration's, or `rebuild()`'s). Each stream's watermark becomes the hour of its newest bar.
 */
export async function buildCandleSummary(
  connection: DuckDBConnection,
  onProgress?: (done: number, total: number) => void,
): Promise<RefreshResult> {
  await connection.run(TARGETS_TABLE);
  await connection.run(`DELETE FROM candles_hourly`);
  await connection.run(`DELETE FROM summary_watermarks`);
  await connection.run(`DELETE FROM summary_targets`);
  await connection.run(`INSERT INTO summary_targets
    SELECT symbol, interval, NULL, date_trunc('hour', max(open_time)) FROM candles GROUP BY symbol, interval`);
  await connection.run(`INSERT INTO summary_watermarks SELECT symbol, interval, to_time, NULL FROM summary_targets`);
  const [[streams, minUs, maxUs]] = (await connection.runAndReadAll(
    `SELECT count(*), epoch_us(min(from_c)), epoch_us(max(to_time)) FROM summary_targets,
      (SELECT min(open_time) AS from_c FROM candles)`,
  )).getRows();
  if (minUs === null || maxUs === null) return { streams: 0, hours: 0 };
  const loMs = hourOf(Number(minUs as bigint) / 1000);
  const hiMs = Number(maxUs as bigint) / 1000;
  const sliceMs = Math.max(SUMMARY_HOUR_MS, hourOf((hiMs - loMs) / REBUILD_SLICES) + SUMMARY_HOUR_MS);
  const total = Math.ceil((hiMs - loMs) / sliceMs);
  let hours = 0;
  for (let i = 0; i < total; i++) {
    // A bar's revisions share its open time, so slicing by open time never splits a ranking.
    const from = loMs + i * sliceMs;
    hours += await summarise(connection, from, Math.min(hiMs, from + sliceMs));
    onProgress?.(i + 1, total);
  }
  await advance(connection, loMs);
  return { streams: Number(streams as bigint), hours };
}

async function fillTargets(connection: DuckDBConnection, targets: readonly Target[]): Promise<void> {
  await connection.run(`DELETE FROM summary_targets`);
  await connection.run(
    `INSERT INTO summary_targets SELECT s, i, make_timestamp(f), make_timestamp(t)
     FROM (SELECT unnest($symbols) AS s, unnest($intervals) AS i, unnest($froms) AS f, unnest($tos) AS t)`,
    {
      symbols: listValue(targets.map((t) => t.symbol)),
      intervals: listValue(targets.map((t) => t.interval)),
      froms: listValue(targets.map((t) => BigInt(t.fromMs!) * 1000n)),
      tos: listValue(targets.map((t) => BigInt(t.toMs) * 1000n)),
    },
    { symbols: LIST(VARCHAR), intervals: LIST(VARCHAR), froms: LIST(BIGINT), tos: LIST(BIGINT) },
  );
}

async function summarise(connection: DuckDBConnection, loMs: number, hiMs: number): Promise<number> {
  const result = await connection.run(SUMMARISE_SQL, { lo: BigInt(loMs) * 1000n, hi: BigInt(hiMs) * 1000n }, {
    lo: BIGINT,
    hi: BIGINT,
  });
  return result.rowsChanged;
}

async function advance(connection: DuckDBConnection, loMs: number): Promise<void> {
  await connection.run(ADVANCE_SQL, { lo: BigInt(loMs) * 1000n }, { lo: BIGINT });
}

async function loadWatermarks(connection: DuckDBConnection): Promise<Map<string, number>> {
  const rows = (await connection.runAndReadAll(
    `SELECT symbol, interval, epoch_ms(through) FROM summary_watermarks`,
  )).getRows();
  const map = new Map<string, number>();
  for (const [symbol, interval, throughMs] of rows) {
    map.set(streamKey(symbol as string, interval as string), Number(throughMs as bigint));
  }
  return map;
}

function streamKey(symbol: string, interval: string): string {
  return `${symbol}\u0000${interval}`;
}

function hourOf(ms: number): number {
  return Math.floor(ms / SUMMARY_HOUR_MS) * SUMMARY_HOUR_MS;
}

function errorMessage(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
