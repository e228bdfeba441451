import assert from "node:assert/strict";
import { DuckDBInstance } from "@duckdb/node-api";
import { analyzeCell } from "../../core/notebook/analyzeCell.ts";
import { buildCellGraph, cellNameError, downstreamOf, upstreamOf } from "../../core/notebook/cellGraph.ts";
import type { CellAnalysis, CellSource } from "../../core/notebook/notebookTypes.ts";
import { renameCellRefs } from "../../core/notebook/renameCellRefs.ts";

/** Refs, CTEs and params come from DuckDB's parser, so the cases run it for real. */
async function analyzeAll(cells: readonly CellSource[]): Promise<CellAnalysis[]> {
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    const analyses: CellAnalysis[] = [];
    for (const cell of cells) analyses.push(await analyzeCell(connection, cell));
    return analyses;
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

interface GraphCase {
  name: string;
  cells: Record<string, string>;
  refs: Record<string, string[]>;
  ctes?: Record<string, string[]>;
  params?: Record<string, string[]>;
  order: string[];
  cycles?: string[][];
}

const CASES: GraphCase[] = [
  {
    name: "a chain reads upstream by name; cache tables are refs but no edges",
    cells: {
      prices: "SELECT * FROM candles_latest WHERE symbol = $symbol",
      hourly: "SELECT time_bucket(INTERVAL 1 hour, open_time) AS h, avg(close) FROM prices GROUP BY 1",
      joined: "SELECT * FROM hourly h JOIN prices p ON p.open_time = h.h",
    },
    refs: { prices: ["candles_latest"], hourly: ["prices"], joined: ["hourly", "prices"] },
    params: { prices: ["symbol"], hourly: [], joined: [] },
    order: ["prices", "hourly", "joined"],
  },
  {
    name: "a CTE named like a cell is not a ref to it",
    cells: {
      a: "SELECT 1 AS x",
      b: "WITH a AS (SELECT 2 AS x) SELECT * FROM a",
    },
    refs: { a: [], b: [] },
    ctes: { a: [], b: ["a"] },
    order: ["a", "b"],
  },
  {
    name: "a CTE only hides the name inside its own subquery",
    cells: {
      a: "SELECT 1 AS x",
      b: "SELECT * FROM a, (WITH a AS (SELECT 2 AS x) SELECT * FROM a) s",
    },
    refs: { a: [], b: ["a"] },
    ctes: { b: ["a"] },
    order: ["a", "b"],
  },
  {
    name: "a recursive CTE reading itself is no ref; later CTEs see earlier ones",
    cells: {
      r: "WITH RECURSIVE n AS (SELECT 1 AS i UNION ALL SELECT i + 1 FROM n WHERE i < 5), m AS (SELECT * FROM n) SELECT * FROM m",
    },
    refs: { r: [] },
    ctes: { r: ["n", "m"] },
    order: ["r"],
  },
  {
    name: "names match case-insensitively and through quotes; schema-qualified names are never cells",
    cells: {
      prices: "SELECT 1 AS close",
      upper: 'SELECT * FROM PRICES UNION ALL SELECT * FROM "prices"',
      qualified: "SELECT * FROM main.prices",
    },
    refs: { prices: [], upper: ["PRICES"], qualified: [] },
    order: ["prices", "upper", "qualified"],
  },
  {
    name: "refs in subqueries, joins, set operations, DESCRIBE, SUMMARIZE and EXPLAIN",
    cells: {
      a: "SELECT 1 AS x",
      b: "SELECT 2 AS y",
      sub: "SELECT * FROM a WHERE x IN (SELECT y FROM b)",
      setop: "SELECT x FROM a EXCEPT SELECT y FROM b",
      described: "DESCRIBE a",
      summarized: "SUMMARIZE SELECT * FROM b",
      explained: "EXPLAIN ANALYZE SELECT * FROM a JOIN b ON x = y",
    },
    refs: { sub: ["a", "b"], setop: ["a", "b"], described: ["a"], summarized: ["b"], explained: ["a", "b"] },
    order: ["a", "b", "sub", "setop", "described", "summarized", "explained"],
  },
  {
    name: "independent cells keep notebook order; a dependent waits for a later upstream",
    cells: { late_reader: "SELECT * FROM source", other: "SELECT 1", source: "SELECT 2" },
    refs: { late_reader: ["source"], other: [], source: [] },
    order: ["other", "source", "late_reader"],
  },
  {
    name: "a cell reading itself is a cycle of one",
    cells: { loop: "SELECT * FROM loop" },
    refs: { loop: ["loop"] },
    order: ["loop"],
    cycles: [["loop"]],
  },
  {
    name: "a cycle of three, and a cell downstream of it that is not part of it",
    cells: {
      a: "SELECT * FROM c",
      b: "SELECT * FROM a",
      c: "SELECT * FROM b",
      reader: "SELECT * FROM a",
      free: "SELECT 1",
    },
    refs: { a: ["c"], b: ["a"], c: ["b"], reader: ["a"], free: [] },
    order: ["a", "b", "c", "reader", "free"],
    cycles: [["a", "b", "c"]],
  },
];

Deno.test("buildCellGraph() over DuckDB's parse: refs, CTEs, params, order and cycles", async (t) => {
  for (const c of CASES) {
    await t.step(c.name, async () => {
      const cells = Object.entries(c.cells).map(([name, sql]) => ({ name, sql }));
      const analyses = await analyzeAll(cells);
      for (const analysis of analyses) {
        assert.equal(analysis.error, null, `${analysis.name} parses`);
        if (c.refs[analysis.name]) assert.deepEqual(analysis.refs, c.refs[analysis.name], `refs of ${analysis.name}`);
        if (c.ctes?.[analysis.name]) assert.deepEqual(analysis.ctes, c.ctes[analysis.name], `CTEs of ${analysis.name}`);
        if (c.params?.[analysis.name]) {
          assert.deepEqual(analysis.params, c.params[analysis.name], `params of ${analysis.name}`);
        }
      }
      const graph = buildCellGraph(analyses);
      assert.deepEqual(graph.order, c.order);
      assert.deepEqual(graph.cycles, c.cycles ?? []);
    });
  }
});

Deno.test("upstreamOf() and downstreamOf() follow the edges transitively, in topological order", () => {
  const graph = buildCellGraph([
    { name: "a", refs: ["candles"] },
    { name: "b", refs: ["a"] },
    { name: "c", refs: ["b", "a"] },
    { name: "d", refs: [] },
  ]);
  assert.deepEqual(upstreamOf(graph, "c"), ["a", "b"]);
  assert.deepEqual(upstreamOf(graph, "a"), []);
  assert.deepEqual(downstreamOf(graph, ["a"]), ["a", "b", "c"]);
  assert.deepEqual(downstreamOf(graph, ["d"]), ["d"]);
  assert.deepEqual(graph.downstream.get("a"), ["b", "c"]);
});

Deno.test("a rename rewrites references to the cell, and nothing else", async (t) => {
  const cases: { name: string; sql: string; expected: string }[] = [
    { name: "plain", sql: "SELECT * FROM prices", expected: "SELECT * FROM prices_1h" },
    {
      name: "every occurrence, any case, quoted stays quoted",
      sql: 'SELECT * FROM prices p JOIN "prices" q USING (open_time) WHERE close > (SELECT avg(close) FROM PRICES)',
      expected:
        'SELECT * FROM prices_1h p JOIN "prices_1h" q USING (open_time) WHERE close > (SELECT avg(close) FROM prices_1h)',
    },
    {
      name: "not a CTE of the same name, a column, a string or a comment",
      sql: "WITH prices AS (SELECT 1 AS prices) SELECT prices, 'prices' FROM prices -- prices",
      expected: "WITH prices AS (SELECT 1 AS prices) SELECT prices, 'prices' FROM prices -- prices",
    },
    {
      name: "after non-ASCII text (DuckDB reports byte offsets)",
      sql: "SELECT 'é€😀' AS x FROM prices",
      expected: "SELECT 'é€😀' AS x FROM prices_1h",
    },
  ];
  for (const c of cases) {
    await t.step(c.name, async () => {
      const [analysis] = await analyzeAll([{ name: "reader", sql: c.sql }]);
      assert.equal(renameCellRefs(c.sql, analysis.refSpans, "prices", "prices_1h"), c.expected);
    });
  }
});

Deno.test("cellNameError() refuses non-identifiers, duplicates and cache table names", () => {
  const reserved = new Set(["candles", "candles_latest"]);
  assert.equal(cellNameError("prices_1h", { others: ["a"], reserved }), null);
  assert.match(cellNameError("1h", { others: [] })!, /not an identifier/);
  assert.match(cellNameError("bad name", { others: [] })!, /not an identifier/);
  assert.match(cellNameError("A", { others: ["a"] })!, /already used/);
  assert.match(cellNameError("Candles", { others: [], reserved })!, /cache table/);
});

Deno.test("analyzeCell() reports parse errors with their position and refuses what is not a query", async (t) => {
  const cases: { sql: string; kind: string; message: RegExp; line?: number; column?: number }[] = [
    { sql: "SELECT *\nFORM candles", kind: "sql", message: /syntax error at or near "candles"/, line: 2, column: 6 },
    { sql: "SELECT 1 +", kind: "sql", message: /end of input/, line: 1, column: 11 },
    { sql: "SELECT 1; SELECT 2", kind: "refused", message: /holds 2 statements/ },
    { sql: "DELETE FROM candles", kind: "refused", message: /a DELETE statement/ },
    { sql: "EXPLAIN DELETE FROM candles", kind: "refused", message: /EXPLAIN of a DELETE/ },
    { sql: "  -- nothing\n", kind: "sql", message: /empty/ },
  ];
  for (const c of cases) {
    await t.step(JSON.stringify(c.sql), async () => {
      const [analysis] = await analyzeAll([{ name: "x", sql: c.sql }]);
      assert.equal(analysis.error?.kind, c.kind);
      assert.match(analysis.error!.message, c.message);
      if (c.line !== undefined) {
        assert.deepEqual([analysis.error!.position?.line, analysis.error!.position?.column], [c.line, c.column]);
      }
    });
  }
});
