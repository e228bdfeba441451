/**
 * A query result as a plain-text table for the terminal (`deno task notebook run`): a header, the first rows,
 * numbers right-aligned, long values cut with "…", and a line saying how many rows were left out. Pure.
 */
import type { QueryResult } from "./notebookTypes.ts";

const NUMERIC =
  /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|DECIMAL.*)$/;

export function formatResultTable(
  result: Pick<QueryResult, "columns" | "rows" | "truncated">,
  options: { maxRows?: number; maxCellWidth?: number } = {},
): string {
  const maxRows = options.maxRows ?? 20;
  const maxCellWidth = options.maxCellWidth ?? 40;
  const shown = result.rows.slice(0, maxRows);
  const numeric = result.columns.map((column) => NUMERIC.test(column.type));
  const cells = shown.map((row) =>
    row.map((value, i) => clip(text(value, result.columns[i]?.type ?? ""), maxCellWidth))
  );
  const header = result.columns.map((column) => clip(column.name, maxCellWidth));
  const widths = header.map((name, i) => Math.max(name.length, ...cells.map((row) => row[i].length)));
  const line = (values: string[]): string =>
    values.map((value, i) => numeric[i] ? value.padStart(widths[i]) : value.padEnd(widths[i])).join(" │ ").trimEnd();
  const lines = [line(header), widths.map((w) => "─".repeat(w)).join("─┼─"), ...cells.map(line)];
  const hidden = result.rows.length - shown.length;
  if (hidden > 0 || result.truncated) {
    lines.push(
      `… ${hidden > 0 ? `${hidden} more row${hidden === 1 ? "" : "s"}` : ""}${
        result.truncated ? `${hidden > 0 ? " and " : ""}more past the row cap` : ""
      }`,
    );
  }
  return lines.join("\n");
}

function text(value: unknown, type: string): string {
  if (value === null || value === undefined) return "NULL";
  if (typeof value === "object") return JSON.stringify(value);
  if (typeof value === "number" && (type === "DOUBLE" || type === "FLOAT") && !Number.isInteger(value)) {
    return String(Number(value.toPrecision(10)));
  }
  return String(value).replace(/\n/g, "⏎");
}

function clip(value: string, width: number): string {
  return value.length <= width ? value : value.slice(0, width - 1) + "…";
}
