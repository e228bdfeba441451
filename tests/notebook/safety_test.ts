import assert from "node:assert/strict";
import { join } from "node:path";
import { openQueryEngine } from "../../core/notebook/openQueryEngine.ts";
import type { RunOutcome } from "../../core/notebook/notebookTypes.ts";
import { candleRows, openNotebookApp } from "./notebookHarness.ts";

async function countCandles(query: (sql: string) => Promise<RunOutcome>): Promise<number> {
  const outcome = await query("SELECT count(*) FROM candles");
  assert.equal(outcome.kind, "ok", JSON.stringify(outcome));
  return Number((outcome as Extract<RunOutcome, { kind: "ok" }>).result.rows[0][0]);
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}

Deno.test("user SQL cannot write, read files, attach, install, SET or run two statements: cells and POST /api/query", async (t) => {
  await using fx = await openNotebookApp({ bars: 200 });
  const outside = join(fx.dir, "outside.csv");
  const escape = join(fx.exportDir, "..", "outside.csv");
  const query = async (sql: string) => await fx.engine.query({ sql });
  const before = await countCandles(query);

  const cases: { sql: string; kind: "refused" | "sql"; message: RegExp }[] = [
    { sql: "DROP TABLE candles", kind: "refused", message: /this is a DROP statement/ },
    { sql: "DELETE FROM candles", kind: "refused", message: /this is a DELETE statement/ },
    { sql: "INSERT INTO candles SELECT * FROM candles", kind: "refused", message: /this is a INSERT statement/ },
    { sql: "UPDATE candles SET close = 0", kind: "refused", message: /UPDATE statement/ },
    { sql: "CREATE TABLE stolen AS SELECT * FROM candles", kind: "refused", message: /CREATE statement/ },
    { sql: "CREATE TEMP VIEW v AS SELECT 1", kind: "refused", message: /CREATE statement/ },
    { sql: `COPY candles TO '${outside}'`, kind: "refused", message: /COPY statement/ },
    { sql: `COPY (SELECT 1) TO '${join(fx.exportDir, "user.csv")}'`, kind: "refused", message: /COPY statement/ },
    { sql: `EXPORT DATABASE '${fx.dir}/dump'`, kind: "refused", message: /EXPORT statement/ },
    { sql: "ATTACH ':memory:' AS side", kind: "refused", message: /ATTACH statement/ },
    { sql: `ATTACH '${fx.dir}/other.duckdb' AS other`, kind: "refused", message: /ATTACH statement/ },
    { sql: "DETACH other", kind: "refused", message: /DETACH statement/ },
    { sql: "INSTALL httpfs", kind: "refused", message: /INSTALL statement/ },
    { sql: "LOAD httpfs", kind: "refused", message: /LOAD statement/ },
    { sql: "SET threads = 1", kind: "refused", message: /SET statement/ },
    { sql: "SET GLOBAL lock_configuration = false", kind: "refused", message: /SET statement/ },
    { sql: "RESET enable_external_access", kind: "refused", message: /RESET statement/ },
    { sql: "PRAGMA enable_external_access = true", kind: "refused", message: /PRAGMA statement/ },
    { sql: "CHECKPOINT", kind: "refused", message: /CHECKPOINT statement/ },
    { sql: "BEGIN TRANSACTION", kind: "refused", message: /BEGIN statement/ },
    { sql: "SELECT * FROM read_csv('/etc/passwd')", kind: "refused", message: /file system operations are disabled/ },
    { sql: `SELECT * FROM read_csv('${escape}')`, kind: "refused", message: /file system operations are disabled/ },
    { sql: "SELECT * FROM glob('/etc/*')", kind: "refused", message: /file system operations are disabled/ },
    {
      sql: "SELECT * FROM read_parquet('https://example.com/x.parquet')",
      kind: "refused",
      message: /file system operations are disabled/,
    },
    { sql: "SELECT 1; DROP TABLE candles", kind: "refused", message: /holds 2 statements/ },
    { sql: "SELECT 1; SELECT 2", kind: "refused", message: /holds 2 statements/ },
    { sql: "EXPLAIN ANALYZE DELETE FROM candles", kind: "refused", message: /EXPLAIN of a DELETE statement/ },
    { sql: "SELECT * FROM query('DELETE FROM candles')", kind: "sql", message: /Expected a single SELECT statement/ },
    {
      sql: "WITH gone AS (DELETE FROM candles RETURNING *) SELECT * FROM gone",
      kind: "sql",
      message: /A CTE needs a SELECT/,
    },
  ];

  for (const c of cases) {
    await t.step(`cell: ${c.sql}`, async () => {
      const outcome = await fx.engine.runCell({ cells: [{ name: "evil", sql: c.sql }], target: "evil" });
      assert.equal(outcome.kind, "error", `refused: ${c.sql}`);
      if (outcome.kind !== "error") return;
      assert.equal(outcome.error.kind, c.kind, outcome.error.message);
      assert.match(outcome.error.message, c.message);
    });
    await t.step(`POST /api/query: ${c.sql}`, async () => {
      const response = await fx.app.fetch(
        new Request("http://127.0.0.1/api/query", { method: "POST", body: JSON.stringify({ sql: c.sql }) }),
      );
      const body = await response.json();
      assert.equal(response.status, 400, JSON.stringify(body));
      assert.equal(body.kind, c.kind);
      assert.match(body.error, c.message);
    });
  }

  await t.step("nothing changed: rows, tables, files, settings", async () => {
    assert.equal(await countCandles(query), before);
    assert.equal(await exists(outside), false);
    assert.equal(await exists(join(fx.exportDir, "user.csv")), false);
    assert.equal(await exists(join(fx.dir, "other.duckdb")), false);
    const settings = await query(
      "SELECT current_setting('enable_external_access'), current_setting('lock_configuration'), current_setting('memory_limit')",
    );
    assert.equal(settings.kind, "ok");
    if (settings.kind === "ok") assert.deepEqual(settings.result.rows[0], [false, true, "1.8 GiB"]);
  });

  await t.step("an upstream cell cannot smuggle a write into a reader cell", async () => {
    const outcome = await fx.engine.runCell({
      cells: [{ name: "evil", sql: "DELETE FROM candles" }, { name: "reader", sql: "SELECT * FROM evil" }],
      target: "reader",
    });
    assert.equal(outcome.kind, "error");
    if (outcome.kind === "error") {
      assert.equal(outcome.error.kind, "upstream");
      assert.match(outcome.error.message, /Upstream cell "evil" cannot run: .*DELETE/);
    }
    assert.equal(await countCandles(query), before);
  });
});

Deno.test("a query that runs forever is cut off at the time limit while the ingest keeps committing", async () => {
  await using fx = await openNotebookApp({ bars: 200 });
  const query = async (sql: string) => await fx.engine.query({ sql });
  const before = await countCandles(query);
  let stopped = false;
  const forever = fx.engine.runCell({
    cells: [{
      name: "forever",
      sql: "SELECT count(*) FROM candles a, candles b, candles c, candles d WHERE a.close < b.close",
    }],
    target: "forever",
    key: "forever",
    limits: { timeoutMs: 3000 },
  }).then((outcome) => {
    stopped = true;
    return outcome;
  });
  // Wait until DuckDB reports progress: the query is executing inside its read-only transaction.
  while (fx.engine.progress("forever") === null && !stopped) await new Promise((resolve) => setTimeout(resolve, 10));

  // The writer shares the instance: commits and a compaction go through while the query runs.
  const added = candleRows("AAPL", 50, { firstSeq: 201 });
  const committed = await fx.store.commit({
    candles: added,
    cursors: [{ source: "demo", topic: "candle.AAPL.1m", epoch: 1n, lastSeq: 250 }],
  });
  assert.equal(committed.candles, 50);
  await fx.store.compact();
  assert.equal(stopped, false, "the commit did not wait for the long query");
  // What a long query does hold up: DuckDB refuses a CHECKPOINT while a transaction older than a committed
  // UPDATE (the cursor advance above) is still open. The ingest logs it and checkpoints again later.
  await assert.rejects(fx.store.checkpoint(), /Cannot CHECKPOINT: there are other write transactions active/);

  const outcome = await forever;
  assert.equal(outcome.kind, "error");
  if (outcome.kind === "error") {
    assert.equal(outcome.error.kind, "timeout");
    assert.match(outcome.error.message, /stopped after 3000 ms \(the time limit\)/);
  }
  assert.equal(await countCandles(query), before + 50);
  await fx.store.checkpoint();

  const api = await fx.app.fetch(
    new Request("http://127.0.0.1/api/query", {
      method: "POST",
      body: JSON.stringify({ sql: "SELECT count(*) FROM range(1000000000) a, range(1000000000) b", timeoutMs: 500 }),
    }),
  );
  assert.equal(api.status, 400);
  assert.match((await api.json()).error, /stopped after 500 ms/);
});

Deno.test("results are capped at maxRows with a truncated flag; a newer run with the same key cancels the old one", async () => {
  await using fx = await openNotebookApp({ bars: 20 });
  const capped = await fx.engine.query({ sql: "SELECT * FROM range(25000)", limits: { maxRows: 10_000 } });
  assert.equal(capped.kind, "ok");
  if (capped.kind === "ok") {
    assert.equal(capped.result.rowCount, 10_000);
    assert.equal(capped.result.rows.length, 10_000);
    assert.equal(capped.result.truncated, true);
  }
  const whole = await fx.engine.query({ sql: "SELECT * FROM range(25000)", limits: { maxRows: 25_000 } });
  assert.equal(whole.kind === "ok" && whole.result.truncated, false);

  const slow = fx.engine.query({ sql: "SELECT count(*) FROM range(1000000000) a, range(1000000000) b", key: "cell-1" });
  const fast = fx.engine.query({ sql: "SELECT 42 AS answer", key: "cell-1" });
  const [first, second] = await Promise.all([slow, fast]);
  assert.equal(first.kind, "error");
  if (first.kind === "error") {
    assert.equal(first.error.kind, "cancelled");
    assert.match(first.error.message, /a newer run of this cell started/);
  }
  assert.deepEqual(second.kind === "ok" ? second.result.rows : second, [[42]]);
});

Deno.test("live refreshes share a budget: they wait their turn, coalesce by key, and never delay other runs", async () => {
  // A 1 % share: after a live run of d ms, the next live run waits 99 × d ms.
  await using fx = await openNotebookApp({ bars: 20, engine: { liveShare: 0.01 } });
  const cell = (sql: string) => ({ cells: [{ name: "c", sql }], target: "c" });
  const heavy = await fx.engine.runCell({ ...cell("SELECT count(*) AS n FROM range(10000000)"), live: true });
  assert.equal(heavy.kind, "ok");

  const order: string[] = [];
  const note = (name: string) => (outcome: Awaited<ReturnType<typeof fx.engine.runCell>>) => {
    order.push(name);
    return outcome;
  };
  // Waiting for its turn, a refresh is superseded by a newer refresh of the same cell: refreshes coalesce.
  const stale = fx.engine.runCell({ ...cell("SELECT 1 AS x"), live: true, key: "live-cell" }).then(note("stale"));
  const fresh = fx.engine.runCell({ ...cell("SELECT 2 AS x"), live: true, key: "live-cell" }).then(note("fresh"));
  // A run the user asked for does not wait for the live budget.
  const asked = await fx.engine.runCell(cell("SELECT 3 AS x")).then(note("asked"));
  assert.deepEqual(asked.kind === "ok" ? asked.result.rows : asked, [[3]]);
  const superseded = await stale;
  assert.equal(superseded.kind === "error" && superseded.error.kind, "cancelled");
  const refreshed = await fresh;
  assert.deepEqual(refreshed.kind === "ok" ? refreshed.result.rows : refreshed, [[2]]);
  assert.deepEqual(order, ["stale", "asked", "fresh"]);
  await assert.rejects(
    openQueryEngine(fx.store.instance, { exportDir: fx.exportDir, liveShare: 0 }),
    /liveShare must be in \(0, 1\], got 0/,
  );
});
