/**
 * The gate in front of every user query (cells and the HTTP API): DuckDB's own parser must see exactly one
 * statement, and that statement must be a SELECT (which covers WITH, FROM-first, VALUES, DESCRIBE, SUMMARIZE and
 * SHOW: DuckDB parses them all as SELECT) or an EXPLAIN [ANALYZE] of one. Anything else is refused before it
 * is prepared.
 *
 * Three checks, each from DuckDB: `extractStatements()` counts statements; `json_serialize_sql()`, which only
 * serializes SELECT statements, says whether it is one; after `prepare()` the statement type is checked again.
 * The read-only transaction the caller runs in and the locked-down instance (lockDownInstance.ts) stand behind
 * this gate; it is the first of three walls, not the only one.
 */
import { type DuckDBConnection, type DuckDBPreparedStatement, StatementType } from "@duckdb/node-api";
import { isKeyword, scanSql } from "./scanSql.ts";

export type StatementCheck =
  | { kind: "ok"; prepared: DuckDBPreparedStatement; statementType: "SELECT" | "EXPLAIN" }
  | { kind: "refused"; message: string }
  /** DuckDB could not parse or bind it; `message` is DuckDB's. */
  | { kind: "failed"; message: string };

export const ALLOWED_STATEMENTS = "a single SELECT, WITH, EXPLAIN, DESCRIBE, SUMMARIZE or SHOW statement";

export async function checkStatement(connection: DuckDBConnection, sql: string): Promise<StatementCheck> {
  let count: number;
  try {
    count = (await connection.extractStatements(sql)).count;
  } catch (error) {
    return { kind: "failed", message: messageOf(error) };
  }
  if (count === 0) return { kind: "refused", message: "There is no statement to run" };
  if (count > 1) {
    return { kind: "refused", message: `Only ${ALLOWED_STATEMENTS} may run; this SQL holds ${count} statements` };
  }
  const tokens = scanSql(sql);
  let inner = sql;
  let explain = false;
  if (isKeyword(tokens[0], "EXPLAIN")) {
    explain = true;
    const next = isKeyword(tokens[1], "ANALYZE") || isKeyword(tokens[1], "ANALYSE") ? tokens[2] : tokens[1];
    inner = next === undefined ? "" : sql.slice(next.offset);
  }
  const parsed = await serializeSql(connection, inner);
  if (parsed.kind !== "select") {
    if (parsed.kind === "parse_error") return { kind: "failed", message: `Parser Error: ${parsed.message}` };
    const first = scanSql(inner)[0]?.text.toUpperCase() ?? "nothing";
    const what = explain ? `EXPLAIN of a ${first} statement` : `a ${first} statement`;
    const hint = first === "PIVOT"
      ? " (a PIVOT without an IN list creates a type; list the values: ON col IN (…))"
      : "";
    return { kind: "refused", message: `Only ${ALLOWED_STATEMENTS} may run; this is ${what}${hint}` };
  }
  let prepared: DuckDBPreparedStatement;
  try {
    prepared = await connection.prepare(sql);
  } catch (error) {
    return { kind: "failed", message: messageOf(error) };
  }
  const type = prepared.statementType;
  if (type === StatementType.SELECT && !explain) return { kind: "ok", prepared, statementType: "SELECT" };
  if (type === StatementType.EXPLAIN && explain) return { kind: "ok", prepared, statementType: "EXPLAIN" };
  prepared.destroySync();
  return { kind: "refused", message: `Only ${ALLOWED_STATEMENTS} may run; DuckDB prepared a ${StatementType[type]}` };
}

export type SerializedSql =
  | { kind: "select"; statements: unknown[] }
  | { kind: "not_select"; message: string }
  | { kind: "parse_error"; message: string; /** UTF-8 byte offset */ position: number | null };

/** DuckDB's parse tree of `sql` as JSON, via `json_serialize_sql()` (pure parsing: nothing is bound or run). */
export async function serializeSql(connection: DuckDBConnection, sql: string): Promise<SerializedSql> {
  const prepared = await connection.prepare("SELECT json_serialize_sql($1::VARCHAR)");
  try {
    prepared.bindVarchar(1, sql);
    const text = (await prepared.runAndReadAll()).getRows()[0][0] as string;
    const json = JSON.parse(text) as {
      error: boolean;
      error_type?: string;
      error_message?: string;
      position?: string;
      statements?: unknown[];
    };
    if (!json.error) return { kind: "select", statements: json.statements ?? [] };
    if (json.error_type === "parser") {
      const position = json.position === undefined ? null : Number(json.position);
      return { kind: "parse_error", message: json.error_message ?? "cannot parse", position };
    }
    return { kind: "not_select", message: json.error_message ?? "not a SELECT statement" };
  } finally {
    prepared.destroySync();
  }
}

/** An error's message, without the node-api's "Failed to extract statements: " wrapper around DuckDB's. */
export function messageOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/^Failed to extract statements: /, "");
}
