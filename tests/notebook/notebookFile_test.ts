import assert from "node:assert/strict";
import { emptyCell, formatNotebook, type NotebookDoc, parseNotebook } from "../../core/notebook/notebookFile.ts";

const CANONICAL = `# Resampled bars

Intro with \`code\`.

\`\`\`sql name=bars_1m live
SELECT * FROM candles_latest WHERE symbol = $symbol
\`\`\`

Between the cells.

\`\`\`sql name=bars_1h live=2500 chart=candlestick x=open_time
SELECT 1
\`\`\`
\`\`\`sql name=label chart=bar x="bucket bps" y=n color=symbol
SELECT 'a' AS "bucket bps", 1 AS n
\`\`\`

Trailing notes.
`;

Deno.test("parseNotebook() reads cells, attributes, prose and the trailer", () => {
  const doc = parseNotebook(CANONICAL);
  assert.deepEqual(doc.cells.map((cell) => cell.name), ["bars_1m", "bars_1h", "label"]);
  assert.equal(doc.cells[0].prose, "# Resampled bars\n\nIntro with `code`.\n\n");
  assert.equal(doc.cells[0].sql, "SELECT * FROM candles_latest WHERE symbol = $symbol");
  assert.deepEqual([doc.cells[0].live, doc.cells[0].liveMs, doc.cells[0].chart], [true, null, null]);
  assert.deepEqual([doc.cells[1].live, doc.cells[1].liveMs], [true, 2500]);
  assert.deepEqual(doc.cells[1].chart, { kind: "candlestick", x: "open_time", y: null, color: null });
  assert.equal(doc.cells[1].prose, "\nBetween the cells.\n\n");
  assert.equal(doc.cells[2].prose, "", "a cell right after another has no prose");
  assert.deepEqual(doc.cells[2].chart, { kind: "bar", x: "bucket bps", y: "n", color: "symbol" });
  assert.equal(doc.trailer, "\nTrailing notes.\n");
});

Deno.test("formatNotebook() gives back the canonical text byte for byte", () => {
  assert.equal(formatNotebook(parseNotebook(CANONICAL)), CANONICAL);
  for (const file of ["resampled_bars", "returns", "cache_health"]) {
    const text = Deno.readTextFileSync(new URL(`../../data/notebooks/${file}.md`, import.meta.url));
    assert.equal(formatNotebook(parseNotebook(text)), text, `data/notebooks/${file}.md round-trips`);
  }
});

Deno.test("parseNotebook(formatNotebook(doc)) equals doc", async (t) => {
  const cases: [string, NotebookDoc][] = [
    ["empty", { cells: [], trailer: "" }],
    ["prose only", { cells: [], trailer: "# Title\n\nNo cells yet.\n" }],
    ["a new cell", { cells: [emptyCell("cell_1", "SELECT 1")], trailer: "" }],
    ["a cell first in the file", { cells: [{ ...emptyCell("a", "SELECT 1"), prose: "" }], trailer: "" }],
    ["SQL with a fence line inside", {
      cells: [{ ...emptyCell("tricky", "SELECT '\n```\n' AS fence -- ```sql name=x"), prose: "" }],
      trailer: "",
    }],
    ["a trailing newline in SQL and odd names", {
      cells: [{
        name: "Prices_1h",
        sql: "SELECT 1\n",
        live: true,
        liveMs: 500,
        chart: { kind: "line", x: "a b", y: 'q"uote', color: null },
        prose: "\n",
      }],
      trailer: "\nend",
    }],
  ];
  for (const [name, doc] of cases) {
    await t.step(name, () => assert.deepEqual(parseNotebook(formatNotebook(doc)), doc));
  }
});

Deno.test("parseNotebook() names unnamed sql fences and keeps other fences as prose", () => {
  const doc = parseNotebook(
    "```ts\nconst x = 1;\n```sql name=inside\n```\n\n```sql\nSELECT 1\n```\n~~~sql name=cell_1\nSELECT 2\n~~~\n",
  );
  assert.deepEqual(doc.cells.map((cell) => [cell.name, cell.sql]), [["cell_2", "SELECT 1"], ["cell_1", "SELECT 2"]]);
  assert.ok(doc.cells[0].prose.startsWith("```ts\nconst x = 1;\n"), "the ts block stays prose, with its contents");
});
