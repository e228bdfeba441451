/**
 * America/New_York wall-clock time without a time-zone database: US daylight-saving rules are fixed in law
 * (Energy Policy Act of 2005 from 2007 on, the 1987 rule before), so sessions come out the same on every
 * machine and do not depend on the ICU data a runtime ships. Years before 1987 use the 1987 rule.
 */

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;
const EST_MINUTES = -300;
const EDT_MINUTES = -240;

/** Daylight time of each year as [startUtcMs, endUtcMs): computed once per year. */
const dstByYear = new Map<number, readonly [number, number]>();

export interface NewYorkLocal {
  /** Days since 1970-01-01 in New York wall-clock time. */
  dayIndex: number;
  /** 0 = Sunday … 6 = Saturday. */
  weekday: number;
  /** 0..1439. */
  minuteOfDay: number;
}

/** New York's offset from UTC at a UTC instant, in minutes: -300 (EST) or -240 (EDT). */
export function newYorkOffsetMinutes(utcMs: number): number {
  const year = new Date(utcMs).getUTCFullYear();
  let dst = dstByYear.get(year);
  if (dst === undefined) {
    dst = daylightTime(year);
    dstByYear.set(year, dst);
  }
  return utcMs >= dst[0] && utcMs < dst[1] ? EDT_MINUTES : EST_MINUTES;
}

/** The New York wall-clock day, weekday and minute of a UTC instant. */
export function newYorkLocal(utcMs: number): NewYorkLocal {
  const localMs = utcMs + newYorkOffsetMinutes(utcMs) * MINUTE_MS;
  const dayIndex = Math.floor(localMs / DAY_MS);
  return {
    dayIndex,
    weekday: (((dayIndex + 4) % 7) + 7) % 7, // 1970-01-01 was a Thursday
    minuteOfDay: Math.floor((localMs - dayIndex * DAY_MS) / MINUTE_MS),
  };
}

/** The UTC instant of a New York wall-clock time (day index + minute); meant for times away from 02:00. */
export function newYorkToUtc(dayIndex: number, minuteOfDay: number): number {
  const localMs = dayIndex * DAY_MS + minuteOfDay * MINUTE_MS;
  const offset = newYorkOffsetMinutes(localMs - EST_MINUTES * MINUTE_MS);
  return localMs - offset * MINUTE_MS;
}

function daylightTime(year: number): readonly [number, number] {
  // Changes happen at 02:00 local: 07:00 UTC in spring (from EST), 06:00 UTC in autumn (from EDT).
  if (year >= 2007) {
    return [sundayOf(year, 2, 2) + 7 * 3_600_000, sundayOf(year, 10, 1) + 6 * 3_600_000];
  }
  return [sundayOf(year, 3, 1) + 7 * 3_600_000, lastSundayOf(year, 9) + 6 * 3_600_000];
}

/** 00:00 UTC of the n-th Sunday of a month (month0: 0 = January). */
function sundayOf(year: number, month0: number, n: number): number {
  const first = Date.UTC(year, month0, 1);
  const weekday = new Date(first).getUTCDay();
  return first + (((7 - weekday) % 7) + 7 * (n - 1)) * DAY_MS;
}

function lastSundayOf(year: number, month0: number): number {
  const last = Date.UTC(year, month0 + 1, 0);
  return last - new Date(last).getUTCDay() * DAY_MS;
}
