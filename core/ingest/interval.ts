/**
 * Candle intervals as the wire writes them (`"1m"`, `"4h"`, `"1w"` …): parsing to milliseconds, the UTC bucket
 * a bar falls in, and which chart intervals can be built from a base interval.
 */

/** The intervals the chart offers, shortest first. */
export const CHART_INTERVALS: readonly string[] = ["1m", "5m", "15m", "1h", "4h", "1d"];

const UNIT_MS: Readonly<Record<string, number>> = {
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

const DAY_MS = UNIT_MS.d;
const WEEK_MS = UNIT_MS.w;
/** 1970-01-01 was a Thursday; the first Monday 00:00 UTC is four days later. */
const FIRST_MONDAY_MS = 4 * DAY_MS;

const INTERVAL_PATTERN = /^([1-9][0-9]{0,9})([smhdw])$/;

/** Milliseconds in an interval such as `"30s"`, `"5m"`, `"1h"`, `"1d"` or `"1w"`. Throws a RangeError otherwise. */
export function parseInterval(interval: string): number {
  const match = INTERVAL_PATTERN.exec(interval);
  const ms = match ? Number(match[1]) * UNIT_MS[match[2]] : NaN;
  if (!Number.isSafeInteger(ms)) {
    throw new RangeError(
      `Unknown interval ${JSON.stringify(interval)}: expected a number and a unit s, m, h, d or w, e.g. "5m"`,
    );
  }
  return ms;
}

/**
 * Open time of the bucket of length `intervalMs` that holds `openTimeMs`.
 *
 * Buckets are aligned to the Unix epoch (UTC midnight for days, so "4h" buckets start at 00, 04, 08 … UTC),
 * except that intervals made of whole weeks start on Monday 00:00 UTC, as trading weeks do. Intervals that do not
 * divide a day (say "7m") are still epoch-aligned, so their buckets drift against midnight; that is by design.
 */
export function bucketStart(openTimeMs: number, intervalMs: number): number {
  if (!(intervalMs > 0) || !Number.isSafeInteger(intervalMs)) {
    throw new RangeError(`Cannot compute a bucket: interval must be a positive whole number of ms, got ${intervalMs}`);
  }
  const originMs = intervalMs % WEEK_MS === 0 ? FIRST_MONDAY_MS : 0;
  return Math.floor((openTimeMs - originMs) / intervalMs) * intervalMs + originMs;
}

/**
 * The chart intervals that can be resampled from `base`: every one longer than it and a whole multiple of it.
 * The base itself is left out — resampling an interval into itself would only copy it.
 */
export function resampleTargets(base: string): string[] {
  const baseMs = parseInterval(base);
  return CHART_INTERVALS.filter((target) => {
    const targetMs = parseInterval(target);
    return targetMs > baseMs && targetMs % baseMs === 0;
  });
}
