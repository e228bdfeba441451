/**
 * Renaming a cell rewrites the references to it in the cells that read it, at the positions DuckDB's parser
 * reported (CellAnalysis.refSpans), so a CTE or a column of the same name, a string or a comment is left alone.
 * Pure.
 */
import type { RefSpan } from "./notebookTypes.ts";

/** `sql` with every reference to `from` (case-insensitive) replaced by `to`. `spans` must be from this `sql`. */
export function renameCellRefs(sql: string, spans: readonly RefSpan[], from: string, to: string): string {
  const key = from.toLowerCase();
  const hits = spans.filter((span) => span.name.toLowerCase() === key).sort((a, b) => b.offset - a.offset);
  let result = sql;
  for (const span of hits) {
    const written = result.slice(span.offset, span.offset + span.length);
    // A quoted reference stays quoted, so that it still parses whatever the new name is.
    const replacement = written.startsWith('"') ? `"${to.replaceAll('"', '""')}"` : to;
    result = result.slice(0, span.offset) + replacement + result.slice(span.offset + span.length);
  }
  return result;
}
