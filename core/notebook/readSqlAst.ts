/**
 * Reads what a statement reads from DuckDB's own parse tree (`json_serialize_sql()`): the tables it references
 * that are not CTEs in scope, where each reference is in the text, the CTEs it defines and the `$parameters`
 * it uses. Pure: it walks the JSON, so the tree's shape is the only thing it depends on.
 *
 * Scoping: a CTE is visible in the query node that defines it, in that node's subqueries and in the CTE bodies
 * themselves (recursive CTEs, later CTEs reading earlier ones). A reference with a schema or catalog
 * (`main.candles`) is never a CTE and never a cell.
 */
import type { RefSpan } from "./notebookTypes.ts";

export interface SqlAstSummary {
  refs: string[];
  refSpans: RefSpan[];
  ctes: string[];
  params: string[];
}

/** query_location of nodes without one: 2^64 - 1, which JSON.parse turns into a float past 2^53. */
const NO_LOCATION = Number.MAX_SAFE_INTEGER;

/** `statement` is one element of `json_serialize_sql()`'s `statements` array; `sql` the text it came from. */
export function readSqlAst(statement: unknown, sql: string): SqlAstSummary {
  const refs: string[] = [];
  const refKeys = new Set<string>();
  const refSpans: RefSpan[] = [];
  const ctes: string[] = [];
  const params: string[] = [];
  const toUtf16 = byteToUtf16Offsets(sql);

  const visit = (node: unknown, scope: ReadonlySet<string>): void => {
    if (Array.isArray(node)) {
      for (const item of node) visit(item, scope);
      return;
    }
    if (typeof node !== "object" || node === null) return;
    const record = node as Record<string, unknown>;
    let inner = scope;
    const cteMap = (record.cte_map as { map?: { key: string }[] } | undefined)?.map;
    if (Array.isArray(cteMap) && cteMap.length > 0) {
      const next = new Set(scope);
      for (const entry of cteMap) {
        next.add(entry.key.toLowerCase());
        if (!ctes.includes(entry.key)) ctes.push(entry.key);
      }
      inner = next;
    }
    if (record.type === "BASE_TABLE" && typeof record.table_name === "string") {
      noteTable(record, inner);
    }
    if (record.class === "PARAMETER" && typeof record.identifier === "string") {
      if (!params.includes(record.identifier)) params.push(record.identifier);
    }
    for (const value of Object.values(record)) {
      if (typeof value === "object" && value !== null) visit(value, inner);
    }
  };

  const noteTable = (record: Record<string, unknown>, scope: ReadonlySet<string>): void => {
    const name = record.table_name as string;
    const qualified = (record.schema_name ?? "") !== "" || (record.catalog_name ?? "") !== "";
    if (qualified || scope.has(name.toLowerCase())) return;
    const key = name.toLowerCase();
    if (!refKeys.has(key)) {
      refKeys.add(key);
      refs.push(name);
    }
    const location = typeof record.query_location === "number" ? record.query_location : NO_LOCATION;
    if (location >= NO_LOCATION) return;
    const offset = toUtf16(location);
    if (offset === undefined) return;
    refSpans.push({ name, offset, length: identifierLength(sql, offset, name) });
  };

  visit(statement, new Set());
  refSpans.sort((a, b) => a.offset - b.offset);
  return { refs, refSpans, ctes, params };
}

/** Length of the identifier written at `offset`: quoted ("a ""b""") or bare. */
function identifierLength(sql: string, offset: number, name: string): number {
  if (sql[offset] !== '"') return name.length;
  let i = offset + 1;
  while (i < sql.length) {
    if (sql[i] === '"') {
      if (sql[i + 1] === '"') i += 2;
      else return i + 1 - offset;
    } else i++;
  }
  return sql.length - offset;
}

/** DuckDB reports locations in UTF-8 bytes; JavaScript strings index UTF-16 units. */
function byteToUtf16Offsets(sql: string): (byteOffset: number) => number | undefined {
  let ascii = true;
  for (let i = 0; i < sql.length; i++) {
    if (sql.charCodeAt(i) > 0x7f) {
      ascii = false;
      break;
    }
  }
  if (ascii) return (byteOffset) => byteOffset <= sql.length ? byteOffset : undefined;
  const map = new Map<number, number>();
  let bytes = 0;
  for (let i = 0; i < sql.length; i++) {
    map.set(bytes, i);
    const code = sql.codePointAt(i)!;
    bytes += code <= 0x7f ? 1 : code <= 0x7ff ? 2 : code <= 0xffff ? 3 : 4;
    if (code > 0xffff) i++;
  }
  map.set(bytes, sql.length);
  return (byteOffset) => map.get(byteOffset);
}
