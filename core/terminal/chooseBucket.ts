/**
 * `chooseBucket()`: the bar length the chart gets for a time range, so that it never receives more bars than it can
 * draw readably. The answer is the shortest bucket of a fixed ladder that is a whole multiple of the chart's
 * interval (so each bucket is a union of whole bars) and yields at most `maxRows` buckets over the range.
 *
 * The ladder's steps nest in one another with the epoch- and Monday-aligned buckets of core/ingest/interval.ts
 * (1m … 1d are epoch-aligned; weeks start on Monday 00:00 UTC), and past the ladder come whole multiples of
 * four weeks. Pure.
 */
import { bucketStart, parseInterval } from "../ingest/interval.ts";

/** Bucket lengths the viewport re-buckets to, shortest first. */
export const BUCKET_LADDER: readonly string[] = [
  "1m",
  "2m",
  "5m",
  "10m",
  "15m",
  "30m",
  "1h",
  "2h",
  "4h",
  "12h",
  "1d",
  "1w",
  "4w",
];

const FOUR_WEEKS_MS = 4 * 604_800_000;

export interface Bucket {
  /** As the wire writes intervals, e.g. "15m", "1w", "8w". */
  name: string;
  ms: number;
}

export interface ChooseBucketOptions {
  /** Most buckets wanted over the range. */
  maxRows: number;
  /** The bucket may not be shorter than this (e.g. to keep the one a chart already shows). Default: the interval. */
  minBucketMs?: number;
}

/** Buckets of length `bucketMs` that the open times `fromMs` (inclusive) to `toMs` (exclusive) fall in. */
export function bucketCount(fromMs: number, toMs: number, bucketMs: number): number {
  if (toMs <= fromMs) return 0;
  return (bucketStart(toMs - 1, bucketMs) - bucketStart(fromMs, bucketMs)) / bucketMs + 1;
}

/** The shortest fitting bucket for bars of `interval` over [fromMs, toMs). Throws a RangeError for a bad interval. */
export function chooseBucket(
  interval: string,
  range: { fromMs: number; toMs: number },
  options: ChooseBucketOptions,
): Bucket {
  const intervalMs = parseInterval(interval);
  const maxRows = Math.max(1, Math.floor(options.maxRows));
  const minBucketMs = Math.max(intervalMs, options.minBucketMs ?? intervalMs);
  const fits = (ms: number): boolean =>
    ms % intervalMs === 0 && ms >= minBucketMs && bucketCount(range.fromMs, range.toMs, ms) <= maxRows;
  if (fits(intervalMs)) return { name: interval, ms: intervalMs };
  for (const name of BUCKET_LADDER) {
    const ms = parseInterval(name);
    if (ms > intervalMs && fits(ms)) return { name, ms };
  }
  // Past the ladder: whole multiples of four weeks (every ladder step divides four weeks), or of the interval
  // itself for one that does not divide four weeks.
  const unitMs = FOUR_WEEKS_MS % intervalMs === 0 ? FOUR_WEEKS_MS : intervalMs;
  let k = Math.max(1, Math.ceil((range.toMs - range.fromMs) / unitMs / maxRows));
  while (!fits(k * unitMs)) k++;
  return { name: intervalName(k * unitMs), ms: k * unitMs };
}

const UNITS: readonly [string, number][] = [["w", 604_800_000], ["d", 86_400_000], ["h", 3_600_000], ["m", 60_000], [
  "s",
  1_000,
]];

/** `ms` as an interval name with the largest unit that divides it: 2_419_200_000 → "4w". */
export function intervalName(ms: number): string {
  for (const [unit, unitMs] of UNITS) if (ms % unitMs === 0) return `${ms / unitMs}${unit}`;
  throw new RangeError(`Cannot name an interval of ${ms} ms: not a whole number of seconds`);
}
