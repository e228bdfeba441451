import { parseCsv } from "./parseCsv.ts";
import type { RowError } from "./types.ts";

/** A data row of a CSV table, its values keyed by header name. */
export interface CsvTableRow {
  line: number;
  values: Record<string, string>;
}

export interface CsvTable {
  rows: CsvTableRow[];
  errors: RowError[];
}

export interface ReadCsvTableOptions {
  /** The file name used in error messages, e.g. `data/universe.csv`. */
  file: string;
  /** Header names every row must have. Their order in the file is free; other columns are ignored. */
  columns: readonly string[];
}

/**
 * Parses CSV text whose first record is a header and checks that each row has one field per header column.
 * A header without a required column is one error and no rows; a short or long row is an error and is skipped.
 */
export function readCsvTable(text: string, options: ReadCsvTableOptions): CsvTable {
  const { file, columns } = options;
  const parsed = parseCsv(text);
  const errors: RowError[] = parsed.errors.map((e) =>
    rowError({ file, line: e.line, column: null, detail: `malformed CSV: ${e.message}` })
  );
  const [header, ...records] = parsed.records;
  if (header === undefined) {
    errors.push(rowError({ file, line: 1, column: null, detail: `no header row, expected "${columns.join(",")}"` }));
    return { rows: [], errors };
  }
  const names = header.fields.map((f) => f.trim());
  const missing = columns.filter((c) => !names.includes(c));
  if (missing.length > 0) {
    errors.push(rowError({
      file,
      line: header.line,
      column: missing[0],
      detail: `header lacks ${missing.map((m) => `"${m}"`).join(", ")}, got "${names.join(",")}"`,
    }));
    return { rows: [], errors };
  }

  const rows: CsvTableRow[] = [];
  for (const record of records) {
    const { line, fields } = record;
    if (fields.length < names.length) {
      errors.push(rowError({
        file,
        line,
        column: names[fields.length],
        detail: `missing (row has ${fields.length} of ${names.length} fields)`,
      }));
      continue;
    }
    if (fields.length > names.length) {
      errors.push(rowError({
        file,
        line,
        column: null,
        detail: `row has ${fields.length} fields, the header has ${names.length} (unquoted comma?)`,
      }));
      continue;
    }
    const values: Record<string, string> = {};
    names.forEach((name, k) => values[name] = fields[k]);
    rows.push({ line, values });
  }
  errors.sort((a, b) => a.line - b.line);
  return { rows, errors };
}

export interface RowErrorInit {
  file: string;
  line: number;
  column: string | null;
  /** What is wrong with the value, e.g. `expected a positive number, got "abc"`. */
  detail: string;
}

/** A RowError whose message names file, line and column: `data/universe.csv:17: column tick_size: …`. */
export function rowError(init: RowErrorInit): RowError {
  const { file, line, column, detail } = init;
  const where = column === null ? `${file}:${line}` : `${file}:${line}: column ${column}`;
  return { file, line, column, message: `${where}: ${detail}` };
}
