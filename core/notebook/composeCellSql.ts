/**
 * How a cell reads other cells: the cells it depends on are spliced in front of it as CTEs named after them, so
 * the whole chain is ONE statement, parsed, type-checked and run by DuckDB in one read-only transaction, with
 * the app's `$parameters` bound once for all of it.
 *
 * Why CTEs and not temp views: a view cannot hold prepared-statement parameters (`$symbol`), and creating one
 * is a write, which the read-only transaction refuses. The price is that an upstream cell is recomputed by each
 * cell that reads it (DuckDB materializes a CTE read more than once within one statement).
 *
 * Layout keeps the target cell's text where the error mapper can find it: every piece starts on its own line,
 * and the target's own leading keywords are blanked with spaces rather than removed, so an offset in the cell
 * is the same offset in its segment of the composed text.
 *
 *   cell:      SELECT * FROM prices_1h WHERE close > 10
 *   composed:  WITH "prices_1h" AS (
 *              <prices_1h's SQL>
 *              )
 *              SELECT * FROM prices_1h WHERE close > 10
 *
 * A target that starts with WITH joins that WITH list; EXPLAIN, DESCRIBE, SUMMARIZE and SHOW stay in front
 * (`DESCRIBE prices_1h` becomes `DESCRIBE WITH … FROM prices_1h`).
 */
import type { CellSource } from "./notebookTypes.ts";
import { isKeyword, scanSql, type SqlToken } from "./scanSql.ts";

/** Where a cell's text sits in the composed SQL: composed[start + k] is the cell's character k. */
export interface CellSegment {
  cell: string;
  start: number;
  length: number;
}

export type ComposedSql =
  | { kind: "ok"; sql: string; segments: CellSegment[] }
  | { kind: "rejected"; message: string };

const QUERY_STARTS = new Set(["SELECT", "FROM", "VALUES", "TABLE", "PIVOT", "UNPIVOT", "WITH"]);
const WRAPPERS = new Set(["DESCRIBE", "DESC", "SUMMARIZE", "SHOW"]);

/** `upstream` in dependency order (see upstreamOf()); each must be a query cell. */
export function composeCellSql(target: CellSource, upstream: readonly CellSource[]): ComposedSql {
  const body = withoutTrailingSemicolons(target.sql);
  if (upstream.length === 0) {
    return { kind: "ok", sql: body, segments: [{ cell: target.name, start: 0, length: body.length }] };
  }

  const tokens = scanSql(body);
  const blanked: SqlToken[] = [];
  let index = 0;
  let fromFor: SqlToken | null = null;
  if (isKeyword(tokens[0], "EXPLAIN")) {
    blanked.push(tokens[index++]);
    if (isKeyword(tokens[index], "ANALYZE") || isKeyword(tokens[index], "ANALYSE")) blanked.push(tokens[index++]);
  } else if (tokens[0]?.kind === "word" && WRAPPERS.has(tokens[0].text.toUpperCase())) {
    blanked.push(tokens[index++]);
  }
  const first = tokens[index];
  let recursive = false;
  let joinsWith = false;
  if (isKeyword(first, "WITH")) {
    joinsWith = true;
    blanked.push(tokens[index++]);
    if (isKeyword(tokens[index], "RECURSIVE")) {
      recursive = true;
      blanked.push(tokens[index++]);
    }
  } else if (
    first !== undefined && (first.text === "(" || (first.kind === "word" && QUERY_STARTS.has(first.text.toUpperCase())))
  ) {
    // A query: the WITH list goes in front of it.
  } else if (blanked.length === 1 && first !== undefined && (first.kind === "word" || first.kind === "quoted")) {
    // `DESCRIBE name`: the wrapper keyword is replaced by FROM (it is at least as long), the name stays put.
    fromFor = blanked[0];
  } else {
    return {
      kind: "rejected",
      message: `Cell "${target.name}" cannot read other cells: it is not a query (it starts with ${
        JSON.stringify(first?.text ?? "nothing")
      })`,
    };
  }

  const wrapperWords = blanked.filter((token) => !isKeyword(token, "WITH") && !isKeyword(token, "RECURSIVE"));
  let sql = wrapperWords.length > 0 ? wrapperWords.map((token) => token.text.toUpperCase()).join(" ") + "\n" : "";
  const segments: CellSegment[] = [];
  sql += recursive ? "WITH RECURSIVE " : "WITH ";
  upstream.forEach((cell, i) => {
    sql += `"${cell.name}" AS (\n`;
    const text = withoutTrailingSemicolons(cell.sql);
    segments.push({ cell: cell.name, start: sql.length, length: text.length });
    sql += `${text}\n)${i < upstream.length - 1 || joinsWith ? "," : ""}\n`;
  });
  let own = body;
  for (const token of blanked) {
    const replacement = token === fromFor ? "FROM".padEnd(token.text.length) : " ".repeat(token.end - token.offset);
    own = own.slice(0, token.offset) + replacement + own.slice(token.end);
  }
  segments.push({ cell: target.name, start: sql.length, length: own.length });
  sql += own;
  return { kind: "ok", sql, segments };
}

/** The SQL with trailing `;` replaced by spaces (DuckDB accepts one at the top level, not inside a CTE). */
export function withoutTrailingSemicolons(sql: string): string {
  const tokens = scanSql(sql);
  let result = sql;
  for (let i = tokens.length - 1; i >= 0 && tokens[i].text === ";"; i--) {
    result = result.slice(0, tokens[i].offset) + " " + result.slice(tokens[i].end);
  }
  return result;
}

/** The cell and offset within it that an offset in the composed SQL falls in, or null (our own glue). */
export function segmentAt(
  segments: readonly CellSegment[],
  offset: number,
): { cell: string; offset: number } | null {
  for (const segment of segments) {
    if (offset >= segment.start && offset <= segment.start + segment.length) {
      return { cell: segment.cell, offset: offset - segment.start };
    }
  }
  return null;
}
