/**
 * `queryCandleViewport()`: the bars of one chart viewport, read from the cache on the worker's read connection and
 * re-bucketed in SQL so that the answer never holds more than `maxRows` bars (see chooseBucket.ts). Downsampling is
 * OHLC-correct over `candles_latest` (each bar's newest revision): open of the first bar by time, highest high,
 * lowest low, close of the last bar by time, summed volume. Every value reaches SQL as a bound parameter.
 *
 * Zoomed out to buckets of whole hours, the hours below the stream's summary watermark come from `candles_hourly`
 * (see core/ingest/candleSummary.ts) and only the bars at or after it from `candles_latest`: a year of 1m bars is
 * ~9 k hour rows instead of 500 k bars to rank. The same statement reads the watermark again; if a commit lowered
 * it after the stream lookup (a backfill of old hours), the summary's answer may be stale and the viewport is
 * read from the bars instead. Finer buckets read `candles_latest` directly, which is cheap over a short range.
 *
 * Which stored stream: the longest stored interval the chart's interval is a whole multiple of (5m is built from
 * 1m bars); when none divides it (only daily bars are stored, say) the shortest longer one is used instead, and
 * `interval` says so. The streams of a symbol, with their first and last bar, come from `summary_watermarks` and
 * the bars at or after each watermark, not from a scan of the symbol's rows.
 *
 * Gaps come from the `gaps` table, which knows seqs, not times: a gap still open, requested or unfillable is mapped
 * to the time between the last bar stored before its first seq and the first bar stored after its last seq.
 */
import { BIGINT, type DuckDBConnection, UBIGINT, VARCHAR } from "@duckdb/node-api";
import { bucketStart, parseInterval } from "../ingest/interval.ts";
import type { Candle } from "../wire/types.ts";
import { type Bucket, chooseBucket } from "./chooseBucket.ts";

/** What the worker is asked: resolved times are ms since the Unix epoch; null means "the newest" / "enough". */
export interface CandleRequest {
  symbol: string;
  /** The chart's interval, e.g. "1m". */
  interval: string;
  /** Inclusive; null: `maxRows` bars of `interval` before `toMs`. */
  fromMs: number | null;
  /** Exclusive; null: just after the newest stored bar. */
  toMs: number | null;
  maxRows: number;
  /** Keep at least this bucket (a chart loading older bars at the bucket it shows). */
  minBucketMs: number | null;
}

export type GapState = "open" | "requested" | "unfillable";

/** Where bars are missing, in time; `toMs` null: up to the newest bar. */
export interface GapBand {
  fromMs: number;
  toMs: number | null;
  state: GapState;
  /** Messages missing. */
  seqs: number;
}

export interface CandleRows {
  symbol: string;
  requestedInterval: string;
  /** The interval the bars are built from: the requested one, or a stored longer one when nothing finer exists. */
  interval: string;
  /** The stored stream read, or null when the cache has no bars of the symbol. */
  sourceInterval: string | null;
  bucket: string;
  bucketMs: number;
  /** The range covered, aligned to whole buckets: [fromMs, toMs). */
  fromMs: number;
  toMs: number;
  candles: Candle[];
  gaps: GapBand[];
  /** Open time of the stream's first and newest stored bar (null when none). */
  firstMs: number | null;
  lastMs: number | null;
}

interface StreamInfo {
  interval: string;
  intervalMs: number;
  firstMs: number;
  lastMs: number;
  /** The summary holds this stream's hours before this time (ms). */
  throughMs: number;
}

const HOUR_MS = 3_600_000;
/** Seqs looked at on each side of a gap for its neighbouring bars; a message carries one bar or a batch. */
const GAP_NEIGHBOUR_SEQS = 1024n;
const MAX_GAPS = 50;
const FIRST_MONDAY_MS = 4 * 86_400_000;
const WEEK_MS = 604_800_000;

const VIEWPORT_SQL = `
  SELECT (epoch_ms(open_time) - $origin) // $bucket * $bucket + $origin AS bucket_ms,
    arg_min("open", open_time) AS "open", max(high) AS high, min(low) AS low,
    arg_max("close", open_time) AS "close", sum(volume) AS volume
  FROM candles_latest
  WHERE symbol = $symbol AND interval = $interval
    AND open_time >= make_timestamp($from_us) AND open_time < make_timestamp($to_us)
  GROUP BY bucket_ms
  ORDER BY bucket_ms`;

/**
 * Hours below the watermark from the summary, bars at or after it from `candles_latest`; `$split_us` is the
 * watermark clamped to the range. The last row (bucket_ms NULL) is the watermark as this statement's snapshot sees
 * it. Constant bounds on both sides let DuckDB skip row groups by their min/max.
 */
const SUMMARY_VIEWPORT_SQL = `
  SELECT (epoch_ms(t) - $origin) // $bucket * $bucket + $origin AS bucket_ms,
    arg_min("open", t) AS "open", max(high) AS high, min(low) AS low,
    arg_max("close", t) AS "close", sum(volume) AS volume
  FROM (
    SELECT hour AS t, "open", high, low, "close", volume FROM candles_hourly
    WHERE symbol = $symbol AND interval = $interval
      AND hour >= make_timestamp($from_us) AND hour < make_timestamp($split_us)
    UNION ALL
    SELECT open_time AS t, "open", high, low, "close", volume FROM candles_latest
    WHERE symbol = $symbol AND interval = $interval
      AND open_time >= make_timestamp($split_us) AND open_time < make_timestamp($to_us)
  )
  GROUP BY bucket_ms
  UNION ALL
  SELECT NULL, epoch_ms(through)::DOUBLE, NULL, NULL, NULL, NULL FROM summary_watermarks
  WHERE symbol = $symbol AND interval = $interval
  ORDER BY bucket_ms NULLS FIRST`;

const WATERMARKS_SQL = `
  SELECT interval, epoch_ms(through), epoch_ms(first_time) FROM summary_watermarks WHERE symbol = $symbol`;

const GAPS_SQL = `
  SELECT source, epoch, from_seq, to_seq, state FROM gaps
  WHERE topic = $topic AND state IN ('open', 'requested', 'unfillable')
  ORDER BY epoch, from_seq
  LIMIT ${MAX_GAPS}`;

const GAP_NEIGHBOURS_SQL = `
  SELECT
    (SELECT epoch_ms(max(open_time)) FROM candles
      WHERE symbol = $symbol AND interval = $interval AND source = $source AND epoch = $epoch
        AND seq < $from_seq AND seq >= $before_floor) AS before_ms,
    (SELECT epoch_ms(min(open_time)) FROM candles
      WHERE symbol = $symbol AND interval = $interval AND source = $source AND epoch = $epoch
        AND seq > $to_seq AND seq <= $after_ceiling) AS after_ms`;

export async function queryCandleViewport(reader: DuckDBConnection, request: CandleRequest): Promise<CandleRows> {
  const { symbol } = request;
  const requestedMs = parseInterval(request.interval);
  const streams = await streamsOf(reader, symbol);
  const source = pickSource(streams, requestedMs);
  const interval = source !== null && source.intervalMs > requestedMs ? source.interval : request.interval;
  const intervalMs = parseInterval(interval);
  const toMs = request.toMs ??
    (source !== null ? source.lastMs + source.intervalMs : bucketStart(Date.now(), intervalMs) + intervalMs);
  const fromMs = request.fromMs ?? toMs - request.maxRows * intervalMs;
  const bucket: Bucket = chooseBucket(interval, { fromMs, toMs }, {
    maxRows: request.maxRows,
    minBucketMs: request.minBucketMs ?? undefined,
  });
  const alignedFromMs = bucketStart(fromMs, bucket.ms);
  const alignedToMs = bucketStart(toMs - 1, bucket.ms) + bucket.ms;
  const rows: CandleRows = {
    symbol,
    requestedInterval: request.interval,
    interval,
    sourceInterval: source?.interval ?? null,
    bucket: bucket.name,
    bucketMs: bucket.ms,
    fromMs: alignedFromMs,
    toMs: alignedToMs,
    candles: [],
    gaps: [],
    firstMs: source?.firstMs ?? null,
    lastMs: source?.lastMs ?? null,
  };
  if (source === null) return rows;

  const range = { symbol, interval: source.interval, bucketMs: bucket.ms, fromMs: alignedFromMs, toMs: alignedToMs };
  const summarised = bucket.ms % HOUR_MS === 0 && source.throughMs > alignedFromMs
    ? await querySummaryBuckets(reader, { ...range, throughMs: source.throughMs })
    : null;
  rows.candles = summarised ?? await queryBarBuckets(reader, range);
  rows.gaps = await queryGapBands(reader, { symbol, source, fromMs: alignedFromMs, toMs: alignedToMs });
  return rows;
}

interface BucketRange {
  symbol: string;
  interval: string;
  bucketMs: number;
  fromMs: number;
  toMs: number;
}

/** The viewport's buckets from `candles_latest` alone. */
async function queryBarBuckets(reader: DuckDBConnection, range: BucketRange): Promise<Candle[]> {
  const result = await reader.runAndReadAll(VIEWPORT_SQL, {
    origin: BigInt(range.bucketMs % WEEK_MS === 0 ? FIRST_MONDAY_MS : 0),
    bucket: BigInt(range.bucketMs),
    symbol: range.symbol,
    interval: range.interval,
    from_us: BigInt(range.fromMs) * 1000n,
    to_us: BigInt(range.toMs) * 1000n,
  }, { origin: BIGINT, bucket: BIGINT, symbol: VARCHAR, interval: VARCHAR, from_us: BIGINT, to_us: BIGINT });
  return candlesOf(result.getRows());
}

/**
 * The viewport's buckets (whole hours) from the hourly summary below `throughMs` and `candles_latest` above it;
 * null when the watermark this statement sees is below `throughMs` (a commit lowered it since the lookup), so
 * that some summary hours read may be stale.
 */
export async function querySummaryBuckets(
  reader: DuckDBConnection,
  range: BucketRange & { throughMs: number },
): Promise<Candle[] | null> {
  const splitMs = Math.min(Math.max(range.throughMs, range.fromMs), range.toMs);
  const result = await reader.runAndReadAll(SUMMARY_VIEWPORT_SQL, {
    origin: BigInt(range.bucketMs % WEEK_MS === 0 ? FIRST_MONDAY_MS : 0),
    bucket: BigInt(range.bucketMs),
    symbol: range.symbol,
    interval: range.interval,
    from_us: BigInt(range.fromMs) * 1000n,
    split_us: BigInt(splitMs) * 1000n,
    to_us: BigInt(range.toMs) * 1000n,
  }, {
    origin: BIGINT,
    bucket: BIGINT,
    symbol: VARCHAR,
    interval: VARCHAR,
    from_us: BIGINT,
    split_us: BIGINT,
    to_us: BIGINT,
  });
  const rows = result.getRows();
  if (rows.length === 0 || rows[0][0] !== null || (rows[0][1] as number) < splitMs) return null;
  return candlesOf(rows.slice(1));
}

function candlesOf(rows: readonly (readonly unknown[])[]): Candle[] {
  const candles: Candle[] = new Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const [openTimeMs, open, high, low, close, volume] = rows[i];
    candles[i] = {
      openTimeMs: Number(openTimeMs),
      open: open as number,
      high: high as number,
      low: low as number,
      close: close as number,
      volume: volume as number,
    };
  }
  return candles;
}

/**
 * A symbol's chartable streams with their first and last bar: the watermarks say where each stream's summary ends
 * and its first bar before that; the bars at or after the watermark (one hour or so, found by the open_time
 * min/max of the row groups) give the rest. A stream always has a bar at or after its watermark.
 */
async function streamsOf(reader: DuckDBConnection, symbol: string): Promise<StreamInfo[]> {
  const marks: { interval: string; intervalMs: number; throughMs: number; firstMs: number | null }[] = [];
  for (
    const [interval, throughMs, firstMs] of (await reader.runAndReadAll(WATERMARKS_SQL, { symbol }, {
      symbol: VARCHAR,
    })).getRows()
  ) {
    let intervalMs: number;
    try {
      intervalMs = parseInterval(interval as string);
    } catch {
      continue; // A stream with an interval this app cannot bucket is not chartable.
    }
    marks.push({
      interval: interval as string,
      intervalMs,
      throughMs: Number(throughMs),
      firstMs: firstMs === null ? null : Number(firstMs),
    });
  }
  if (marks.length === 0) return [];
  const params: Record<string, string | bigint> = { symbol };
  const types: Record<string, typeof VARCHAR | typeof BIGINT> = { symbol: VARCHAR };
  const branches = marks.map((mark, i) => {
    params[`i${i}`] = mark.interval;
    params[`t${i}`] = BigInt(mark.throughMs) * 1000n;
    types[`i${i}`] = VARCHAR;
    types[`t${i}`] = BIGINT;
    return `SELECT ${i} AS k, epoch_ms(min(open_time)), epoch_ms(max(open_time)) FROM candles
      WHERE symbol = $symbol AND interval = $i${i} AND open_time >= make_timestamp($t${i})`;
  });
  const live = (await reader.runAndReadAll(branches.join(" UNION ALL "), params, types)).getRows();
  const streams: StreamInfo[] = [];
  for (const [k, liveFirstMs, liveLastMs] of live) {
    const mark = marks[Number(k)];
    if (liveLastMs === null) continue; // no bar at or after its watermark: cannot happen through the store
    const firstMs = mark.firstMs ?? Number(liveFirstMs);
    streams.push({
      interval: mark.interval,
      intervalMs: mark.intervalMs,
      firstMs: Math.min(firstMs, Number(liveFirstMs)),
      lastMs: Number(liveLastMs),
      throughMs: mark.throughMs,
    });
  }
  return streams;
}

/** The longest stored interval that divides the wanted one; else the shortest longer one; else null. */
function pickSource(streams: readonly StreamInfo[], intervalMs: number): StreamInfo | null {
  let best: StreamInfo | null = null;
  for (const stream of streams) {
    if (intervalMs % stream.intervalMs === 0 && (best === null || stream.intervalMs > best.intervalMs)) best = stream;
  }
  if (best !== null) return best;
  for (const stream of streams) {
    if (stream.intervalMs > intervalMs && (best === null || stream.intervalMs < best.intervalMs)) best = stream;
  }
  return best;
}

async function queryGapBands(
  reader: DuckDBConnection,
  where: { symbol: string; source: StreamInfo; fromMs: number; toMs: number },
): Promise<GapBand[]> {
  const { symbol, source } = where;
  const topic = `candle.${symbol}.${source.interval}`;
  const gaps = (await reader.runAndReadAll(GAPS_SQL, { topic }, { topic: VARCHAR })).getRows();
  const bands: GapBand[] = [];
  for (const [gapSource, epoch, fromSeq, toSeq, state] of gaps) {
    const from = fromSeq as bigint;
    const to = toSeq as bigint;
    const neighbours = await reader.runAndReadAll(GAP_NEIGHBOURS_SQL, {
      symbol,
      interval: source.interval,
      source: gapSource as string,
      epoch: epoch as bigint,
      from_seq: from,
      before_floor: from > GAP_NEIGHBOUR_SEQS ? from - GAP_NEIGHBOUR_SEQS : 0n,
      to_seq: to,
      after_ceiling: to + GAP_NEIGHBOUR_SEQS,
    }, {
      symbol: VARCHAR,
      interval: VARCHAR,
      source: VARCHAR,
      epoch: UBIGINT,
      from_seq: UBIGINT,
      before_floor: UBIGINT,
      to_seq: UBIGINT,
      after_ceiling: UBIGINT,
    });
    const [beforeMs, afterMs] = neighbours.getRows()[0];
    const seqs = Number(to - from) + 1;
    const after = afterMs === null ? null : Number(afterMs);
    // The first missing bar opens one interval after the last stored one; with nothing stored before, estimate.
    const start = beforeMs !== null
      ? Number(beforeMs) + source.intervalMs
      : after !== null
      ? after - seqs * source.intervalMs
      : null;
    if (start === null) continue;
    if (after !== null && after <= start) continue; // only revisions of a bar that exists were lost
    if (start >= where.toMs || (after !== null && after <= where.fromMs)) continue;
    bands.push({ fromMs: start, toMs: after, state: state as GapState, seqs });
  }
  return bands;
}
