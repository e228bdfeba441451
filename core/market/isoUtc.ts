const ISO_UTC = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(Z|\+00:00))?$/;

/**
 * Reads a UTC time as candle CSVs write it: `2024-03-04T14:30:00Z` (seconds and up to 3 decimals optional,
 * `+00:00` for `Z` accepted) or a plain date `2024-03-04` meaning 00:00 UTC (daily bars). Returns ms since the
 * Unix epoch, or null for anything else, including other offsets and impossible dates like 2024-02-30.
 */
export function parseIsoUtc(text: string): number | null {
  const m = ISO_UTC.exec(text.trim());
  if (m === null) return null;
  const [, y, mo, d, h, mi, s, frac] = m;
  const year = Number(y), month = Number(mo), day = Number(d);
  const hour = h === undefined ? 0 : Number(h);
  const minute = mi === undefined ? 0 : Number(mi);
  const second = s === undefined ? 0 : Number(s);
  const ms = frac === undefined ? 0 : Number(frac.padEnd(3, "0"));
  if (hour > 23 || minute > 59 || second > 59) return null;
  const timeMs = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  // Date.UTC rolls 2024-02-30 over to March; a round trip of the date part catches that.
  const back = new Date(timeMs);
  if (back.getUTCFullYear() !== year || back.getUTCMonth() !== month - 1 || back.getUTCDate() !== day) return null;
  return timeMs;
}

/**
 * Writes ms since the epoch as `2024-03-04T14:30:00Z` (with `.sss` only when there are milliseconds), or as
 * `2024-03-04` when `dateOnly` is set, which requires a time at 00:00 UTC.
 */
export function formatIsoUtc(timeMs: number, options: { dateOnly?: boolean } = {}): string {
  const iso = new Date(timeMs).toISOString();
  if (options.dateOnly) {
    if (timeMs % 86_400_000 !== 0) {
      throw new RangeError(`Cannot write ${iso} as a date: it is not at 00:00 UTC`);
    }
    return iso.slice(0, 10);
  }
  return timeMs % 1000 === 0 ? `${iso.slice(0, 19)}Z` : iso;
}
