/**
 * What a cell reads, defines and needs, from DuckDB's parser: `json_serialize_sql()` gives the parse tree, whose
 * table references (minus CTE names in scope) are the cell's refs. Nothing is bound or run, so a cell that reads
 * another cell (not a table DuckDB knows) still analyzes.
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import { ALLOWED_STATEMENTS, messageOf, serializeSql } from "./checkStatement.ts";
import { lineAndColumn, locateDuckDbError } from "./locateDuckDbError.ts";
import type { CellAnalysis, CellSource, CellStatementKind, QueryError } from "./notebookTypes.ts";
import { readSqlAst } from "./readSqlAst.ts";
import { isKeyword, scanSql, type SqlToken } from "./scanSql.ts";

export async function analyzeCell(connection: DuckDBConnection, cell: CellSource): Promise<CellAnalysis> {
  const tokens = scanSql(cell.sql);
  const kind = statementKind(tokens);
  const base = { name: cell.name, kind, refs: [], refSpans: [], ctes: [], params: [] };
  if (kind === "empty") return { ...base, error: { kind: "sql", message: "The cell is empty", position: null } };

  let count: number;
  try {
    count = (await connection.extractStatements(cell.sql)).count;
  } catch (error) {
    return { ...base, error: await parseError(connection, cell, messageOf(error)) };
  }
  if (count > 1) {
    return {
      ...base,
      error: {
        kind: "refused",
        message: `A cell runs ${ALLOWED_STATEMENTS}; this one holds ${count} statements`,
        position: null,
      },
    };
  }
  // EXPLAIN is no SELECT to the serializer: read the statement it explains.
  let offset = 0;
  if (kind === "explain") {
    const next = isKeyword(tokens[1], "ANALYZE") || isKeyword(tokens[1], "ANALYSE") ? tokens[2] : tokens[1];
    offset = next?.offset ?? cell.sql.length;
  }
  const text = cell.sql.slice(offset);
  const parsed = await serializeSql(connection, text);
  switch (parsed.kind) {
    case "parse_error":
      return { ...base, error: await parseError(connection, cell, `Parser Error: ${parsed.message}`) };
    case "not_select": {
      const first = scanSql(text)[0]?.text.toUpperCase() ?? "";
      return {
        ...base,
        error: {
          kind: "refused",
          message: `A cell runs ${ALLOWED_STATEMENTS}; this is ${
            kind === "explain" ? "EXPLAIN of " : ""
          }a ${first} statement`,
          position: null,
        },
      };
    }
    case "select": {
      const summary = readSqlAst(parsed.statements[0], text);
      return {
        ...base,
        refs: summary.refs,
        refSpans: summary.refSpans.map((span) => ({ ...span, offset: span.offset + offset })),
        ctes: summary.ctes,
        params: summary.params,
        error: null,
      };
    }
  }
}

/** A parse error with its position in the cell (DuckDB's "LINE n:" excerpt turned back into an offset). */
async function parseError(connection: DuckDBConnection, cell: CellSource, message: string): Promise<QueryError> {
  const located = locateDuckDbError(message, cell.sql);
  let offset = located.offset;
  if (offset === null) {
    // "syntax error at end of input" carries no excerpt; the serializer still knows the byte position.
    const parsed = await serializeSql(connection, cell.sql);
    if (parsed.kind === "parse_error" && parsed.position !== null) offset = utf16Offset(cell.sql, parsed.position);
  }
  return {
    kind: "sql",
    message: located.message,
    position: offset === null ? null : { cell: cell.name, offset, ...lineAndColumn(cell.sql, offset) },
  };
}

function statementKind(tokens: readonly SqlToken[]): CellStatementKind {
  const first = tokens[0];
  if (first === undefined) return "empty";
  if (first.text === "(") return "query";
  if (first.kind !== "word") return "other";
  switch (first.text.toUpperCase()) {
    case "SELECT":
    case "WITH":
    case "FROM":
    case "VALUES":
    case "TABLE":
    case "PIVOT":
    case "UNPIVOT":
      return "query";
    case "EXPLAIN":
      return "explain";
    case "DESCRIBE":
    case "DESC":
      return "describe";
    case "SUMMARIZE":
      return "summarize";
    case "SHOW":
      return "show";
    default:
      return "other";
  }
}

function utf16Offset(sql: string, byteOffset: number): number {
  let bytes = 0;
  for (let i = 0; i < sql.length; i++) {
    if (bytes >= byteOffset) return i;
    const code = sql.codePointAt(i)!;
    bytes += code <= 0x7f ? 1 : code <= 0x7ff ? 2 : code <= 0xffff ? 3 : 4;
    if (code > 0xffff) i++;
  }
  return sql.length;
}
