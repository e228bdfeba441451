import assert from "node:assert/strict";
import {
  createNotebookRuntime,
  type NotebookRuntime,
  type RuntimeApi,
} from "../../core/notebook/createNotebookRuntime.ts";
import { emptyCell, type NotebookDoc } from "../../core/notebook/notebookFile.ts";
import type { QueryEngine } from "../../core/notebook/openQueryEngine.ts";
import { candleRows, openNotebookFixture } from "./notebookHarness.ts";

/** The runtime's API over the engine in this process, recording every run request and cancel. */
function engineApi(engine: QueryEngine): RuntimeApi & { runs: string[]; liveRuns: string[]; cancels: string[] } {
  const runs: string[] = [];
  const liveRuns: string[] = [];
  const cancels: string[] = [];
  return {
    runs,
    liveRuns,
    cancels,
    analyze: async (cells) => ({ kind: "ok", value: await engine.analyze(cells) }),
    run: async (body) => {
      runs.push(body.target);
      if (body.live) liveRuns.push(body.target);
      const outcome = await engine.runCell(body);
      return outcome.kind === "ok"
        ? { kind: "ok", value: outcome.result }
        : { kind: "error", error: outcome.error, status: 400 };
    },
    cancel: (key) => {
      cancels.push(key);
      engine.cancel(key);
      return Promise.resolve();
    },
  };
}

/** Polls until `condition` holds; fails the test after `timeoutMs` instead of hanging it. */
async function until(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function doc(cells: Record<string, string>): NotebookDoc {
  return { cells: Object.entries(cells).map(([name, sql]) => emptyCell(name, sql)), trailer: "" };
}

function cellOf(runtime: NotebookRuntime, name: string) {
  const cell = runtime.cells.value.find((c) => c.name.value === name);
  assert.ok(cell, `cell ${name}`);
  return cell;
}

function rowsOf(runtime: NotebookRuntime, name: string): unknown[][] {
  const state = cellOf(runtime, name).state.value;
  assert.equal(state.status, "done", JSON.stringify(state.error));
  return state.result!.rows;
}

const CELLS = {
  prices: "SELECT open_time, close FROM candles_latest WHERE symbol = $symbol",
  stats: "SELECT count(*) AS bars, round(max(close), 6) AS high FROM prices",
  doubled: "SELECT bars * 2 AS twice FROM stats",
  unrelated: "SELECT 42 AS answer",
};

Deno.test("running a cell re-runs its dependents in topological order, and only them", async () => {
  await using fx = await openNotebookFixture({ bars: 100 });
  const api = engineApi(fx.engine);
  const runtime = createNotebookRuntime(doc(CELLS), {
    api,
    params: { symbol: "AAPL" },
    sessionId: "t",
    analyzeDelayMs: 1,
  });
  try {
    runtime.runAll();
    await runtime.idle();
    assert.deepEqual(rowsOf(runtime, "doubled"), [["200"]]);
    // Dependencies first; unrelated after the cells before it in notebook order are started.
    assert.deepEqual(api.runs.indexOf("prices") < api.runs.indexOf("stats"), true);
    assert.deepEqual(api.runs.indexOf("stats") < api.runs.indexOf("doubled"), true);
    assert.equal(api.runs.length, 4);

    api.runs.length = 0;
    runtime.setSql(
      cellOf(runtime, "prices").id,
      "SELECT open_time, close FROM candles_latest WHERE symbol = $symbol LIMIT 10",
    );
    runtime.run(cellOf(runtime, "prices").id);
    await runtime.idle();
    assert.deepEqual(api.runs, ["prices", "stats", "doubled"]);
    assert.deepEqual(rowsOf(runtime, "doubled"), [["20"]]);
  } finally {
    runtime.dispose();
  }
});

Deno.test("a parameter change re-runs exactly the cells that use it, upstream included", async () => {
  await using fx = await openNotebookFixture({ bars: 100 });
  const api = engineApi(fx.engine);
  const runtime = createNotebookRuntime(doc(CELLS), {
    api,
    params: { symbol: "AAPL" },
    sessionId: "t",
    analyzeDelayMs: 1,
  });
  try {
    runtime.runAll();
    await runtime.idle();
    const aaplHigh = rowsOf(runtime, "stats")[0][1];
    api.runs.length = 0;
    runtime.setParams({ symbol: "BTCUSD", interval: "1m" });
    await runtime.idle();
    assert.deepEqual(api.runs, ["prices", "stats", "doubled"]);
    assert.notEqual(rowsOf(runtime, "stats")[0][1], aaplHigh);

    api.runs.length = 0;
    runtime.setParams({ from: "2024-03-04T15:00:00Z" });
    await runtime.idle();
    assert.deepEqual(api.runs, [], "no cell uses $from");
  } finally {
    runtime.dispose();
  }
});

Deno.test("a cell edited while it runs is cancelled on the server and run again", async () => {
  await using fx = await openNotebookFixture({ bars: 200 });
  const api = engineApi(fx.engine);
  const slow = "SELECT count(*) AS n FROM candles a, candles b, candles c, candles d WHERE a.close < b.close";
  const runtime = createNotebookRuntime(doc({ work: slow, reader: "SELECT n FROM work" }), {
    api,
    params: {},
    sessionId: "t",
    analyzeDelayMs: 1,
  });
  try {
    runtime.run(cellOf(runtime, "work").id);
    await until(() => cellOf(runtime, "work").state.value.status === "running", "work to run");
    runtime.setSql(cellOf(runtime, "work").id, "SELECT 7 AS n");
    runtime.run(cellOf(runtime, "work").id);
    await runtime.idle();
    assert.equal(api.cancels.length, 1, "the superseded run was cancelled");
    assert.deepEqual(rowsOf(runtime, "work"), [[7]]);
    assert.deepEqual(rowsOf(runtime, "reader"), [[7]]);
  } finally {
    runtime.dispose();
  }
});

Deno.test("errors: a failing upstream blocks its readers, a cycle fails on its cells, a rename follows", async (t) => {
  await using fx = await openNotebookFixture({ bars: 20 });
  const api = engineApi(fx.engine);
  const runtime = createNotebookRuntime(
    doc({ base: "SELECT 1 AS x", reader: "SELECT x + 1 AS y FROM base", a: "SELECT * FROM b", b: "SELECT * FROM a" }),
    { api, params: {}, sessionId: "t", analyzeDelayMs: 1, reserved: new Set(["candles"]) },
  );
  try {
    runtime.runAll();
    await runtime.idle();
    await t.step("a cycle", () => {
      for (const name of ["a", "b"]) {
        const state = cellOf(runtime, name).state.value;
        assert.equal(state.error?.kind, "cycle");
        assert.match(state.error!.message, /Cells a → b → a/);
      }
      assert.deepEqual(runtime.graph.value.cycles, [["a", "b"]]);
    });
    await t.step("an upstream error", async () => {
      runtime.setSql(cellOf(runtime, "base").id, "SELECT nope AS x");
      runtime.run(cellOf(runtime, "base").id);
      await runtime.idle();
      assert.equal(cellOf(runtime, "base").state.value.error?.kind, "sql");
      assert.equal(cellOf(runtime, "reader").state.value.error?.kind, "upstream");
      assert.match(cellOf(runtime, "reader").state.value.error!.message, /Upstream cell "base" failed/);
    });
    await t.step("a rename rewrites the reader and keeps the graph", async () => {
      runtime.setSql(cellOf(runtime, "base").id, "SELECT 1 AS x");
      assert.match((await runtime.rename(cellOf(runtime, "base").id, "candles"))!, /cache table/);
      assert.equal(await runtime.rename(cellOf(runtime, "base").id, "origin"), null);
      assert.equal(cellOf(runtime, "reader").sql.value, "SELECT x + 1 AS y FROM origin");
      runtime.run(cellOf(runtime, "origin").id);
      await runtime.idle();
      assert.deepEqual(rowsOf(runtime, "reader"), [[2]]);
      assert.equal(runtime.unsaved.value, true);
      const names = runtime.toDoc().cells.map((cell) => cell.name);
      assert.deepEqual(names, ["origin", "reader", "a", "b"]);
    });
  } finally {
    runtime.dispose();
  }
});

Deno.test("live cells re-run on commit notices at most every liveMs, and show the seq they reflect", async () => {
  await using fx = await openNotebookFixture({ bars: 50 });
  const api = engineApi(fx.engine);
  const live = {
    ...emptyCell(
      "latest",
      "SELECT max(seq) AS seq FROM candles_latest WHERE symbol = $symbol AND interval = $interval",
    ),
    live: true,
    liveMs: 200,
  };
  const runtime = createNotebookRuntime({ cells: [live, emptyCell("other", "SELECT 1")], trailer: "" }, {
    api,
    params: { symbol: "AAPL", interval: "1m" },
    sessionId: "t",
    analyzeDelayMs: 1,
  });
  try {
    runtime.runAll();
    await runtime.idle();
    assert.deepEqual(cellOf(runtime, "latest").state.value.result?.asOf?.seq, "50");
    assert.deepEqual(api.liveRuns, [], "a run the user asked for is not a live refresh");
    api.runs.length = 0;

    await fx.store.commit({
      candles: candleRows("AAPL", 5, { firstSeq: 51 }),
      cursors: [{ source: "demo", topic: "candle.AAPL.1m", epoch: 1n, lastSeq: 55 }],
    });
    // Past liveMs since the first run, three notices in a burst: one run at once, one more after liveMs.
    await new Promise((r) => setTimeout(r, 250));
    for (let commits = 1; commits <= 3; commits++) {
      runtime.commitNotice({ commits, rowsCommitted: 5, lastCommitMs: Date.now(), symbols: ["AAPL"] });
    }
    await until(() => api.runs.length >= 2, "the second live run");
    await runtime.idle();
    assert.deepEqual(api.runs, ["latest", "latest"]);
    assert.deepEqual(api.liveRuns, ["latest", "latest"], "commit notices run live refreshes (budgeted)");
    assert.deepEqual(rowsOf(runtime, "latest"), [["55"]]);
    assert.deepEqual(cellOf(runtime, "latest").state.value.result?.asOf, {
      seq: "55",
      time: cellOf(runtime, "latest").state.value.result!.asOf!.time,
      topic: "candle.AAPL.1m",
    });

    api.runs.length = 0;
    await new Promise((r) => setTimeout(r, 250));
    runtime.commitNotice({ commits: 4, rowsCommitted: 5, lastCommitMs: Date.now(), symbols: ["MSFT"] });
    await runtime.idle();
    assert.deepEqual(api.runs, [], "only MSFT candles came in; the cell reads AAPL's");
  } finally {
    runtime.dispose();
  }
});
