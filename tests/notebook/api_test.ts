import assert from "node:assert/strict";
import { join } from "node:path";
import { openNotebookApp } from "./notebookHarness.ts";

const BASE = "http://127.0.0.1:8000";

function post(path: string, body: unknown, headers: Record<string, string> = {}): Request {
  return new Request(BASE + path, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

Deno.test("POST /api/query: results with typed columns, bound parameters, and 400s that say what is wrong", async (t) => {
  await using fx = await openNotebookApp({ bars: 120 });
  const { app } = fx;

  await t.step("happy path: columns, rows, rowCount, truncated, elapsedMs; 64-bit integers as strings", async () => {
    const response = await app.fetch(post("/api/query", {
      sql: "SELECT symbol, count(*) AS bars, round(avg(close), 2) AS avg_close, max(open_time) AS last " +
        "FROM candles_latest WHERE symbol = $symbol GROUP BY symbol",
      params: { symbol: "AAPL" },
    }));
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("cache-control"), "no-store");
    const body = await response.json();
    assert.deepEqual(Object.keys(body).sort(), ["columns", "elapsedMs", "rowCount", "rows", "truncated"]);
    assert.deepEqual(body.columns, [
      { name: "symbol", type: "VARCHAR" },
      { name: "bars", type: "BIGINT" },
      { name: "avg_close", type: "DOUBLE" },
      { name: "last", type: "TIMESTAMP" },
    ]);
    assert.equal(body.rowCount, 1);
    assert.equal(body.truncated, false);
    assert.equal(typeof body.elapsedMs, "number");
    const [symbol, bars, avgClose, last] = body.rows[0];
    assert.deepEqual([symbol, bars, typeof avgClose, last], ["AAPL", "120", "number", "2024-03-04 16:29:00"]);
  });

  await t.step("timestamps bind from ISO strings and from ms numbers", async () => {
    for (const from of ["2024-03-04T16:00:00Z", Date.UTC(2024, 2, 4, 16)]) {
      const response = await app.fetch(post("/api/query", {
        sql: "SELECT count(*) FROM candles_latest WHERE symbol = 'AAPL' AND open_time >= $from",
        params: { from },
      }));
      assert.deepEqual((await response.json()).rows, [["30"]], `from = ${JSON.stringify(from)}`);
    }
  });

  await t.step("the row cap truncates", async () => {
    const body = await (await app.fetch(post("/api/query", { sql: "SELECT * FROM range(50)", maxRows: 20 }))).json();
    assert.deepEqual([body.rowCount, body.rows.length, body.truncated], [20, 20, true]);
  });

  const bad: {
    name: string;
    request: Request;
    status: number;
    error: RegExp;
    kind?: string;
    line?: number;
    column?: number;
  }[] = [
    { name: "not JSON", request: post("/api/query", "{sql"), status: 400, error: /Cannot parse JSON body/ },
    { name: "empty body", request: post("/api/query", ""), status: 400, error: /body is empty/ },
    {
      name: "no sql",
      request: post("/api/query", { query: "SELECT 1" }),
      status: 400,
      error: /"sql" must be a string/,
    },
    {
      name: "params not an object",
      request: post("/api/query", { sql: "SELECT 1", params: ["AAPL"] }),
      status: 400,
      error: /"params" must be an object/,
    },
    {
      name: "a param that is an object",
      request: post("/api/query", { sql: "SELECT $x", params: { x: { a: 1 } } }),
      status: 400,
      error: /param "x" must be a string/,
    },
    {
      name: "a parameter without a value",
      request: post("/api/query", { sql: "SELECT * FROM candles WHERE symbol = $symbol", params: {} }),
      status: 400,
      error: /uses \$symbol but no value is set/,
      kind: "params",
    },
    {
      name: "DuckDB's binder error, with its position",
      request: post("/api/query", { sql: "SELECT close\nFROM candles\nWHERE clsoe > 1" }),
      status: 400,
      error: /^Binder Error: Referenced column "clsoe" not found/,
      kind: "sql",
      line: 3,
      column: 7,
    },
    {
      name: "DuckDB's parser error",
      request: post("/api/query", { sql: "SELECT * FORM candles" }),
      status: 400,
      error: /^Parser Error: syntax error at or near "candles"/,
      kind: "sql",
      line: 1,
      column: 15,
    },
    {
      name: "a statement that writes",
      request: post("/api/query", { sql: "DROP TABLE candles" }),
      status: 400,
      error:
        /Only a single SELECT, WITH, EXPLAIN, DESCRIBE, SUMMARIZE or SHOW statement may run; this is a DROP statement/,
      kind: "refused",
    },
    {
      name: "a body past the limit",
      request: post("/api/query", { sql: `SELECT '${"x".repeat(300 * 1024)}'` }),
      status: 413,
      error: /more than 262144 bytes|exceeds the limit of 262144 bytes/,
    },
    {
      name: "a cross-site POST",
      request: post("/api/query", { sql: "SELECT 1" }, { origin: "https://evil.example" }),
      status: 403,
      error: /does not match Host/,
    },
  ];
  for (const c of bad) {
    await t.step(`${c.status}: ${c.name}`, async () => {
      const response = await app.fetch(c.request);
      const body = await response.json();
      assert.equal(response.status, c.status, JSON.stringify(body));
      assert.match(body.error, c.error);
      if (c.kind !== undefined) assert.equal(body.kind, c.kind);
      if (c.line !== undefined) assert.deepEqual([body.position.line, body.position.column], [c.line, c.column]);
    });
  }

  await t.step("GET is not allowed", async () => {
    const response = await app.fetch(new Request(BASE + "/api/query"));
    assert.equal(response.status, 405);
    await response.body?.cancel();
  });
});

Deno.test("POST /api/notebooks/run composes upstream cells and points errors into the right cell", async (t) => {
  await using fx = await openNotebookApp({ bars: 180 });
  const cells = [
    {
      name: "prices",
      sql: "SELECT open_time, close FROM candles_latest WHERE symbol = $symbol -- trailing comment\n;",
    },
    {
      name: "hourly",
      sql: "WITH hours AS (SELECT time_bucket(INTERVAL 1 hour, open_time) AS hour, close FROM prices)\n" +
        "SELECT hour, count(*) AS bars FROM hours GROUP BY hour ORDER BY hour",
    },
    { name: "described", sql: "DESCRIBE hourly" },
    { name: "broken", sql: "SELECT hour,\n  nope\nFROM hourly" },
    { name: "reads_broken", sql: "SELECT * FROM broken" },
  ];
  const run = async (target: string) => {
    const response = await fx.app.fetch(
      post("/api/notebooks/run", { cells, target, params: { symbol: "MSFT", interval: "1m" } }),
    );
    return { status: response.status, body: await response.json() };
  };

  await t.step("a cell reads another by name, with the parameter bound once for both", async () => {
    const { status, body } = await run("hourly");
    assert.equal(status, 200);
    assert.deepEqual(body.rows, [["2024-03-04 14:00:00", "30"], ["2024-03-04 15:00:00", "60"], [
      "2024-03-04 16:00:00",
      "60",
    ], ["2024-03-04 17:00:00", "30"]]);
    assert.deepEqual(body.asOf, { seq: "180", time: body.asOf.time, topic: null });
  });

  await t.step("DESCRIBE of a cell", async () => {
    const { body } = await run("described");
    assert.deepEqual(body.rows.map((row: unknown[]) => row.slice(0, 2)), [["hour", "TIMESTAMP"], ["bars", "BIGINT"]]);
  });

  await t.step("an error's position is in the failing cell's own text", async () => {
    const { status, body } = await run("broken");
    assert.equal(status, 400);
    assert.match(body.error, /Referenced column "nope" not found/);
    assert.deepEqual(body.position, { cell: "broken", offset: 15, line: 2, column: 3 });
  });

  await t.step("a reader of a failing cell gets the error located in the upstream cell", async () => {
    const { status, body } = await run("reads_broken");
    assert.equal(status, 400);
    assert.deepEqual(body.position, { cell: "broken", offset: 15, line: 2, column: 3 });
  });

  await t.step("a cycle is an error on the cells involved", async () => {
    const response = await fx.app.fetch(post("/api/notebooks/run", {
      cells: [{ name: "a", sql: "SELECT * FROM b" }, { name: "b", sql: "SELECT * FROM a" }],
      target: "b",
    }));
    const body = await response.json();
    assert.equal(response.status, 400);
    assert.equal(body.kind, "cycle");
    assert.match(body.error, /Cells a → b → a read each other in a cycle/);
  });

  await t.step("analyze returns refs with positions", async () => {
    const response = await fx.app.fetch(post("/api/notebooks/analyze", { cells }));
    const body = await response.json();
    assert.deepEqual(body.cells.map((cell: { refs: string[] }) => cell.refs), [
      ["candles_latest"],
      ["prices"],
      ["hourly"],
      ["hourly"],
      ["broken"],
    ]);
    assert.deepEqual(body.cells[1].refSpans, [{ name: "prices", offset: cells[1].sql.indexOf("prices)"), length: 6 }]);
  });
});

Deno.test("notebook files: list, read, save with a version, conflicts, and names that cannot leave the folder", async (t) => {
  await using fx = await openNotebookApp({ bars: 10 });
  const { app } = fx;

  await t.step("the shipped notebooks are listed", async () => {
    const body = await (await app.fetch(new Request(BASE + "/api/notebooks/files"))).json();
    assert.deepEqual(body.notebooks.map((n: { name: string }) => n.name), [
      "cache_health",
      "resampled_bars",
      "returns",
    ]);
  });

  let version = "";
  await t.step("read, then save a change with the version read", async () => {
    const read = await (await app.fetch(new Request(BASE + "/api/notebooks/files/returns"))).json();
    version = read.version;
    const notebook = read.notebook;
    notebook.cells[0].sql = "SELECT symbol, open_time, close FROM candles_latest";
    const saved = await app.fetch(post("/api/notebooks/files/returns", { notebook, version }));
    assert.equal(saved.status, 200);
    const newVersion = (await saved.json()).version;
    assert.notEqual(newVersion, version);
    const text = await Deno.readTextFile(join(fx.notebooksDir, "returns.md"));
    assert.match(text, /```sql name=closes\nSELECT symbol, open_time, close FROM candles_latest\n```/);

    const stale = await app.fetch(post("/api/notebooks/files/returns", { notebook, version }));
    assert.equal(stale.status, 409);
    assert.match((await stale.json()).error, /changed on disk since it was opened/);
  });

  await t.step("create, refuse to create twice, delete", async () => {
    const created = await app.fetch(post("/api/notebooks/files", { name: "scratch" }));
    assert.equal(created.status, 201);
    await created.body?.cancel();
    const again = await app.fetch(post("/api/notebooks/files", { name: "scratch" }));
    assert.equal(again.status, 409);
    await again.body?.cancel();
    const removed = await app.fetch(new Request(BASE + "/api/notebooks/files/scratch", { method: "DELETE" }));
    assert.equal(removed.status, 204);
  });

  await t.step("the create form redirects to the new notebook's page", async () => {
    const response = await app.fetch(
      new Request(BASE + "/notebook", {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", origin: BASE },
        body: "name=from_form",
      }),
    );
    assert.equal(response.status, 303);
    assert.equal(response.headers.get("location"), "/notebook/from_form");
    const page = await app.fetch(new Request(BASE + "/notebook/from_form"));
    assert.equal(page.status, 200);
    assert.match(await page.text(), /frsh:island:Notebook/);
  });

  for (const name of ["..%2F..%2Fetc%2Fpasswd", "%2e%2e", "a.b", ".hidden", "x%00y", "a%5Cb"]) {
    await t.step(`refuses the name ${name}`, async () => {
      for (
        const request of [
          new Request(`${BASE}/api/notebooks/files/${name}`),
          post(`/api/notebooks/files/${name}`, { notebook: { cells: [], trailer: "" } }),
        ]
      ) {
        const response = await app.fetch(request);
        assert.ok(response.status === 400 || response.status === 404, `${request.method} ${name}: ${response.status}`);
        await response.body?.cancel();
      }
    });
  }
  await t.step("nothing was written outside the folder", async () => {
    const expected = new Set(["cache.duckdb", "cache.duckdb.lock", "cache.duckdb.wal", "export", "notebooks"]);
    for await (const entry of Deno.readDir(fx.dir)) assert.ok(expected.has(entry.name), `unexpected ${entry.name}`);
    const notebooks = (await Array.fromAsync(Deno.readDir(fx.notebooksDir))).map((e) => e.name).sort();
    assert.deepEqual(notebooks, ["cache_health.md", "from_form.md", "resampled_bars.md", "returns.md"]);
  });
});

Deno.test("export: a cell's whole result to CSV or Parquet in the export folder, downloadable", async (t) => {
  await using fx = await openNotebookApp({ bars: 300 });
  const cells = [
    { name: "prices", sql: "SELECT open_time, close FROM candles_latest WHERE symbol = $symbol" },
    { name: "closes", sql: "SELECT * FROM prices ORDER BY open_time" },
  ];
  for (const format of ["csv", "parquet"] as const) {
    await t.step(format, async () => {
      const response = await fx.app.fetch(
        post("/api/export", { cells, target: "closes", params: { symbol: "AAPL" }, format }),
      );
      assert.equal(response.status, 201);
      const info = await response.json();
      assert.equal(info.rows, 300);
      assert.match(info.file, new RegExp(`^closes-\\d{8}T\\d{6}Z-[0-9a-f]{8}\\.${format}$`));
      const download = await fx.app.fetch(new Request(BASE + info.url));
      assert.equal(download.status, 200);
      const bytes = new Uint8Array(await download.arrayBuffer());
      assert.equal(bytes.length, info.bytes);
      if (format === "csv") {
        const lines = new TextDecoder().decode(bytes).trim().split("\n");
        assert.equal(lines[0], "open_time,close");
        assert.equal(lines.length, 301);
      } else {
        assert.equal(new TextDecoder().decode(bytes.subarray(0, 4)), "PAR1");
        const back = await fx.engine.query({
          sql: `SELECT count(*) FROM read_parquet('${join(fx.exportDir, info.file)}')`,
        });
        assert.deepEqual(back.kind === "ok" && back.result.rows, [["300"]]);
      }
    });
  }
  await t.step("exports refuse what is not a query and names that are not exports", async () => {
    const refused = await fx.app.fetch(post("/api/export", {
      cells: [{ name: "plan", sql: "EXPLAIN SELECT 1" }],
      target: "plan",
      format: "csv",
    }));
    assert.equal(refused.status, 400);
    assert.match((await refused.json()).error, /Only a query can be exported/);
    for (const file of ["..%2Fcache.duckdb", "notes.txt", "a.csv.sh"]) {
      const response = await fx.app.fetch(new Request(`${BASE}/api/export/${file}`));
      assert.ok(response.status === 400 || response.status === 404, `${file}: ${response.status}`);
      await response.body?.cancel();
    }
  });
});

Deno.test("GET /notebook/:name renders the cells server-side; a missing notebook is a 404 page", async () => {
  await using fx = await openNotebookApp({ bars: 10 });
  const response = await fx.app.fetch(new Request(BASE + "/notebook/resampled_bars?symbol=MSFT"));
  assert.equal(response.status, 200);
  const html = await response.text();
  for (const name of ["bars_1m", "bars_1h", "daily_vwap"]) assert.match(html, new RegExp(`data-cell="${name}"`));
  assert.match(html, /<textarea[^>]*class="nb-editor-fallback"/);
  assert.match(html, /"symbol","MSFT"|MSFT/);
  const missing = await fx.app.fetch(new Request(BASE + "/notebook/nope"));
  assert.equal(missing.status, 404);
  assert.match(await missing.text(), /There is no notebook/);
});
