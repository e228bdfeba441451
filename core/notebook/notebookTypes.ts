/**
 * The notebook's plain values: what a cell is, what the query engine returns, and the errors it reports. They
 * cross `postMessage` (worker ↔ main thread) and HTTP as JSON, and the browser islands import them, so this
 * module imports nothing.
 */

/** A cell as the engine sees it: a name other cells can read it by, and one SQL statement. */
export interface CellSource {
  name: string;
  sql: string;
}

/** A value bound to `$name` in a query: JSON scalars only. */
export type ParamValue = string | number | boolean | null;

export type Params = Readonly<Record<string, ParamValue>>;

export interface ColumnInfo {
  name: string;
  /** DuckDB's type name, e.g. "BIGINT", "TIMESTAMP", "DECIMAL(18,3)". */
  type: string;
}

/**
 * What the cache looked like when a result was read: the newest candle cursor in the same snapshot. Seq numbers
 * are per topic; with `$symbol` and `$interval` bound it is that one topic's, else the highest over all candle
 * topics.
 */
export interface AsOf {
  /** Newest committed seq, a decimal string (it is a UBIGINT); null on an empty cache. */
  seq: string | null;
  /** When that cursor was committed, ISO 8601 UTC; null on an empty cache. */
  time: string | null;
  /** The topic `seq` belongs to, when one topic was selected; null for the maximum over all topics. */
  topic: string | null;
}

/**
 * A query's result. Values are DuckDB's own JSON conversion (node-api `getRowsJson()`): BIGINT, UBIGINT,
 * HUGEINT and DECIMAL as decimal strings (exact; a 64-bit count does not fit a JS number), DOUBLE as numbers
 * with NaN/±Infinity as the strings "NaN"/"Infinity"/"-Infinity", TIMESTAMP as "YYYY-MM-DD hh:mm:ss[.ffffff]"
 * (UTC: the store writes UTC), DATE/TIME as text, LIST as arrays, STRUCT as objects.
 */
export interface QueryResult {
  columns: ColumnInfo[];
  rows: unknown[][];
  /** Rows in `rows`. */
  rowCount: number;
  /** More rows existed than the row cap; `rows` holds the first `rowCount`. */
  truncated: boolean;
  elapsedMs: number;
  /** Null for results that do not read the cache's cursors (the HTTP API's plain queries). */
  asOf: AsOf | null;
}

/** Where in a cell's SQL an error points; line and column are 1-based, offset 0-based (UTF-16 units). */
export interface SqlPosition {
  /** The cell the position is in (an upstream cell's text, when the error lies in it). */
  cell: string | null;
  offset: number;
  line: number;
  column: number;
}

export type QueryErrorKind =
  /** DuckDB refused the SQL: a parser, binder, catalog or conversion error. */
  | "sql"
  /** Not a single read-only statement, or a forbidden operation (file access, ATTACH …). */
  | "refused"
  | "timeout"
  /** Superseded by a newer run of the same cell, or cancelled by the user. */
  | "cancelled"
  /** A parameter the SQL uses has no value, or a value of the wrong kind. */
  | "params"
  | "cycle"
  /** An upstream cell cannot run, so this one does not either. */
  | "upstream"
  /** Anything else DuckDB reported while running (out of memory, an I/O error). */
  | "runtime";

export interface QueryError {
  kind: QueryErrorKind;
  /** DuckDB's message (without its "LINE n:" excerpt, which `position` replaces) or ours. */
  message: string;
  position: SqlPosition | null;
}

export type RunOutcome = { kind: "ok"; result: QueryResult } | { kind: "error"; error: QueryError };

/** The statement a cell starts with, from its first keyword. Only "query" cells can be read by other cells. */
export type CellStatementKind = "query" | "explain" | "describe" | "summarize" | "show" | "other" | "empty";

/** What DuckDB's parser says about one cell. */
export interface CellAnalysis {
  name: string;
  kind: CellStatementKind;
  /**
   * Unqualified table names the cell reads that are not CTEs in scope: cache tables or other cells.
   * Deduplicated, in order of first appearance.
   */
  refs: string[];
  /** Every occurrence of a ref in the cell's SQL (0-based UTF-16 offset and length), for renames. */
  refSpans: RefSpan[];
  /** CTE names the cell defines itself. */
  ctes: string[];
  /** `$name` parameters the cell itself uses (not its upstream cells'). */
  params: string[];
  /** Null when the cell parses as one statement the engine may run. */
  error: QueryError | null;
}

export interface RefSpan {
  name: string;
  offset: number;
  length: number;
}

/** Tables, views and their columns, for completion in the editor. */
export interface CatalogTable {
  name: string;
  kind: "table" | "view";
  columns: ColumnInfo[];
}

/** Formats an export can be written in. */
export type ExportFormat = "csv" | "parquet";

export interface ExportInfo {
  /** File name under the export folder, e.g. "prices_1h-20240102T030405Z-3f2a.csv". */
  file: string;
  format: ExportFormat;
  rows: number;
  bytes: number;
  elapsedMs: number;
}

/** Limits of one run. */
export interface RunLimits {
  /** Interrupts the query after this long. Default 10 000. */
  timeoutMs: number;
  /** Rows returned at most; more set `truncated`. Default 10 000. */
  maxRows: number;
}

export const DEFAULT_RUN_LIMITS: RunLimits = { timeoutMs: 10_000, maxRows: 10_000 };

/** The parameters the app binds, with their meaning. */
export const APP_PARAMS: readonly string[] = ["symbol", "interval", "from", "to"];
