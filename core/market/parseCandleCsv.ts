import type { Candle } from "../wire/types.ts";
import { formatIsoUtc, parseIsoUtc } from "./isoUtc.ts";
import { parseNumberField } from "./parseNumberField.ts";
import { readCsvTable, rowError } from "./readCsvTable.ts";
import type { RowError } from "./types.ts";

export const CANDLE_COLUMNS = ["open_time", "open", "high", "low", "close", "volume"] as const;

export interface ParsedCandles {
  /** Ascending by openTimeMs, strictly. */
  candles: Candle[];
  errors: RowError[];
}

/**
 * Reads a candle CSV (`open_time,open,high,low,close,volume`, see isoUtc.ts for the time formats; other
 * columns are ignored). Rows with a bad value, inconsistent OHLC (`low <= min(open, close)` and
 * `max(open, close) <= high` must hold, prices > 0, volume >= 0) or an open time not after the previous kept
 * row are reported and skipped.
 */
export function parseCandleCsv(text: string, options: { file: string }): ParsedCandles {
  const { file } = options;
  const table = readCsvTable(text, { file, columns: CANDLE_COLUMNS });
  const errors = [...table.errors];
  const candles: Candle[] = [];
  let previousLine = 0;

  for (const { line, values } of table.rows) {
    const fail = (column: string, detail: string): void => {
      errors.push(rowError({ file, line, column, detail }));
    };
    const openTimeMs = parseIsoUtc(values.open_time);
    if (openTimeMs === null) {
      fail("open_time", `expected an ISO-8601 UTC time like 2024-03-04T14:30:00Z or a date, got "${values.open_time}"`);
    }
    const open = parseNumberField(values.open, "positive");
    const high = parseNumberField(values.high, "positive");
    const low = parseNumberField(values.low, "positive");
    const close = parseNumberField(values.close, "positive");
    const volume = parseNumberField(values.volume, "non_negative");
    const fields = { open, high, low, close, volume };
    let bad = openTimeMs === null;
    for (const [column, parsed] of Object.entries(fields)) {
      if (parsed.kind === "rejected") {
        fail(column, parsed.reason);
        bad = true;
      }
    }
    if (
      bad || openTimeMs === null || open.kind !== "ok" || high.kind !== "ok" || low.kind !== "ok" ||
      close.kind !== "ok" || volume.kind !== "ok"
    ) continue;

    const candle: Candle = {
      openTimeMs,
      open: open.value,
      high: high.value,
      low: low.value,
      close: close.value,
      volume: volume.value,
    };
    const bodyHigh = Math.max(candle.open, candle.close);
    const bodyLow = Math.min(candle.open, candle.close);
    if (candle.high < bodyHigh) {
      fail("high", `inconsistent OHLC: high ${candle.high} is below max(open ${candle.open}, close ${candle.close})`);
      continue;
    }
    if (candle.low > bodyLow) {
      fail("low", `inconsistent OHLC: low ${candle.low} is above min(open ${candle.open}, close ${candle.close})`);
      continue;
    }
    const previous = candles.at(-1);
    if (previous !== undefined && openTimeMs <= previous.openTimeMs) {
      fail(
        "open_time",
        `not ascending: ${formatIsoUtc(openTimeMs)} is not after ${formatIsoUtc(previous.openTimeMs)} ` +
          `(line ${previousLine})`,
      );
      continue;
    }
    candles.push(candle);
    previousLine = line;
  }
  errors.sort((a, b) => a.line - b.line);
  return { candles, errors };
}
