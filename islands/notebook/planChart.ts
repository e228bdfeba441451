/**
 * Which chart a result gets, and its rows as values Observable Plot can draw. Pure (browser and tests).
 *
 * Auto: candlesticks when the result has open, high, low and close columns and a time column; a line over time
 * when the first time column is followed by a number; bars for a text column and a number; dots otherwise.
 */
import type { CellChart, ChartKind } from "../../core/notebook/notebookFile.ts";
import type { ColumnInfo, QueryResult } from "../../core/notebook/notebookTypes.ts";

export interface ChartPlan {
  kind: Exclude<ChartKind, "auto">;
  x: string | null;
  y: string | null;
  color: string | null;
  /** Candlesticks: the open/high/low/close columns. */
  ohlc: { open: string; high: string; low: string; close: string } | null;
  /** Why the chart cannot be drawn as asked, or null. */
  problem: string | null;
}

const NUMERIC =
  /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|DECIMAL.*)$/;
const TEMPORAL = /^(DATE|TIMESTAMP.*|TIME.*)$/;

export function isNumericType(type: string): boolean {
  return NUMERIC.test(type);
}

export function isTemporalType(type: string): boolean {
  return TEMPORAL.test(type) && !type.startsWith("TIME ") && type !== "TIME";
}

export function planChart(columns: readonly ColumnInfo[], wanted: CellChart | null): ChartPlan {
  const names = columns.map((c) => c.name);
  const find = (name: string | null): string | null => name !== null && names.includes(name) ? name : null;
  const byName = (name: string): ColumnInfo | undefined =>
    columns.find((c) => c.name.toLowerCase() === name.toLowerCase());
  const time = columns.find((c) => isTemporalType(c.type))?.name ?? null;
  const numbers = columns.filter((c) => isNumericType(c.type)).map((c) => c.name);
  const text = columns.find((c) => c.type === "VARCHAR")?.name ?? null;
  const ohlcColumns = ["open", "high", "low", "close"].map(byName);
  const ohlc = ohlcColumns.every((c) => c !== undefined && isNumericType(c.type))
    ? { open: ohlcColumns[0]!.name, high: ohlcColumns[1]!.name, low: ohlcColumns[2]!.name, close: ohlcColumns[3]!.name }
    : null;

  let kind: ChartPlan["kind"];
  const asked = wanted?.kind ?? "auto";
  if (asked !== "auto") kind = asked;
  else if (ohlc !== null && time !== null) kind = "candlestick";
  else if (time !== null && numbers.length > 0) kind = "line";
  else if (text !== null && numbers.length > 0) kind = "bar";
  else kind = "dot";

  const firstNumberNot = (taken: string | null): string | null => numbers.find((n) => n !== taken) ?? null;
  let x = find(wanted?.x ?? null);
  let y = find(wanted?.y ?? null);
  const color = find(wanted?.color ?? null);
  switch (kind) {
    case "candlestick":
      x ??= time;
      if (ohlc === null) {
        return { kind, x, y: null, color, ohlc, problem: "Candlesticks need open, high, low and close columns" };
      }
      if (x === null) return { kind, x, y: null, color, ohlc, problem: "Candlesticks need a time column" };
      return { kind, x, y: null, color, ohlc, problem: null };
    case "line":
      x ??= time ?? names[0] ?? null;
      y ??= firstNumberNot(x);
      break;
    case "bar":
      x ??= text ?? names[0] ?? null;
      y ??= firstNumberNot(x);
      break;
    case "dot":
      x ??= numbers[0] ?? time ?? names[0] ?? null;
      y ??= firstNumberNot(x);
      break;
  }
  const problem = x === null || y === null ? "Pick an x and a y column (y must be a number)" : null;
  return { kind, x, y, color, ohlc, problem };
}

/**
 * Rows as objects keyed by column name, with numbers as numbers (64-bit integers and decimals arrive as strings)
 * and times as Dates (DuckDB writes TIMESTAMP as "YYYY-MM-DD hh:mm:ss[.ffffff]", which is UTC here).
 */
export function chartRows(result: Pick<QueryResult, "columns" | "rows">): Record<string, unknown>[] {
  const convert = result.columns.map((column) => converterFor(column.type));
  return result.rows.map((row) => {
    const record: Record<string, unknown> = {};
    result.columns.forEach((column, i) => record[column.name] = convert[i](row[i]));
    return record;
  });
}

function converterFor(type: string): (value: unknown) => unknown {
  if (isNumericType(type)) {
    return (value) => value === null ? null : typeof value === "number" ? value : Number(value);
  }
  if (isTemporalType(type)) return (value) => typeof value === "string" ? parseDuckDbTime(value) : value;
  return (value) => value;
}

/** "2024-01-02 03:04:05.678901" or "2024-01-02" (UTC), "…+00" (with an offset) → Date; null when unparsable. */
export function parseDuckDbTime(text: string): Date | null {
  const match = /^(-?\d{4,}-\d{2}-\d{2})(?:[ T](\d{2}:\d{2}:\d{2})(\.\d+)?)?([+-]\d{2}(?::?\d{2})?)?$/.exec(text);
  if (match === null) return null;
  const fraction = match[3] === undefined ? "" : match[3].slice(0, 4);
  let offset = match[4] ?? "Z";
  if (/^[+-]\d{2}$/.test(offset)) offset += ":00";
  const date = new Date(`${match[1]}T${match[2] ?? "00:00:00"}${fraction}${offset}`);
  return Number.isNaN(date.getTime()) ? null : date;
}
