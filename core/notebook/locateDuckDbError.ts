/**
 * Finds where a DuckDB error points in the SQL it ran. DuckDB's C API hands out only the message text; when it
 * knows a location it appends an excerpt of that line and a caret:
 *
 *   Binder Error: Referenced column "x" not found in FROM clause!
 *
 *   LINE 2:   symbol = 'A' AND x = 2
 *                              ^
 *
 * A long line is cut to a window around the location, marked with "...". This module turns that back into an
 * offset in the SQL, and returns the message without the excerpt (the UI draws its own from the cell's text).
 */
import type { QueryErrorKind } from "./notebookTypes.ts";

export interface LocatedError {
  /** The message without its "LINE n:" excerpt. */
  message: string;
  /** 0-based UTF-16 offset in `sql`, or null when DuckDB gave no location (or it cannot be matched). */
  offset: number | null;
}

const EXCERPT = /\n\nLINE (\d+): (.*)\n( *)\^\s*$/;

export function locateDuckDbError(message: string, sql: string): LocatedError {
  const match = EXCERPT.exec(message);
  if (match === null) return { message: message.trim(), offset: null };
  const text = message.slice(0, match.index).trim();
  const lineNumber = Number(match[1]);
  const excerpt = match[2];
  const caretColumn = match[3].length - `LINE ${match[1]}: `.length;
  const lines = sql.split("\n");
  if (lineNumber < 1 || lineNumber > lines.length || caretColumn < 0) return { message: text, offset: null };
  const lineStart = lines.slice(0, lineNumber - 1).reduce((sum, line) => sum + line.length + 1, 0);
  const line = lines[lineNumber - 1].replace(/\r$/, "");
  let column = caretColumn;
  if (excerpt.startsWith("...")) {
    // The excerpt is a window of the line; find where it starts (the first match, if the text repeats).
    const core = excerpt.slice(3).replace(/\.\.\.$/, "");
    const at = line.indexOf(core);
    if (at < 0) return { message: text, offset: null };
    column = at + caretColumn - 3;
  }
  if (column > line.length) return { message: text, offset: null };
  return { message: text, offset: lineStart + column };
}

/** 1-based line and column of a 0-based offset. */
export function lineAndColumn(sql: string, offset: number): { line: number; column: number } {
  const before = sql.slice(0, offset);
  const line = before.split("\n").length;
  return { line, column: offset - (before.lastIndexOf("\n") + 1) + 1 };
}

/** What kind of failure a DuckDB error message reports, from its "<Type> Error:" prefix. */
export function errorKindOf(message: string): QueryErrorKind {
  const type = /^([A-Za-z ]+?) Error:/.exec(message)?.[1] ?? "";
  switch (type) {
    case "Parser":
    case "Binder":
    case "Catalog":
    case "Conversion":
    case "Invalid Input":
    case "Not implemented":
    case "Syntax":
      return "sql";
    case "Permission":
      return "refused";
    case "TransactionContext":
      return /read-only/i.test(message) ? "refused" : "runtime";
    default:
      return "runtime";
  }
}
