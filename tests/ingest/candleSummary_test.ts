import assert from "node:assert/strict";
import { DuckDBInstance } from "@duckdb/node-api";
import { openStore, type Store } from "../../core/ingest/store.ts";
import { query, withTempDir } from "./fixtures/storeTestKit.ts";
import { NEWEST_REVISION_FIRST } from "../../core/ingest/storeSchema.ts";
import { aggregateCandles } from "../../core/terminal/aggregateCandles.ts";
import type { Candle } from "../../core/wire/types.ts";
import { type CandleHistory, createCandleHistory, HISTORY_START_MS, HOUR_MS } from "./fixtures/candleHistory.ts";

const CRASH_WRITER = new URL("./fixtures/summaryCrashWriter.ts", import.meta.url).pathname;

interface Watermark {
  throughMs: number;
  firstMs: number | null;
}

async function watermark(store: Store, history: CandleHistory): Promise<Watermark | null> {
  const rows = await query(
    store,
    `SELECT epoch_ms(through), epoch_ms(first_time) FROM summary_watermarks
     WHERE symbol = '${history.symbol}' AND interval = '${history.interval}'`,
  );
  if (rows.length === 0) return null;
  return { throughMs: Number(rows[0][0]), firstMs: rows[0][1] === null ? null : Number(rows[0][1]) };
}

/** The summary's hours below the watermark, as candles. */
async function summaryHours(store: Store, history: CandleHistory, throughMs: number): Promise<Candle[]> {
  const rows = await query(
    store,
    `SELECT epoch_ms(hour), open, high, low, close, volume FROM candles_hourly
     WHERE symbol = '${history.symbol}' AND interval = '${history.interval}'
       AND hour < make_timestamp(${throughMs * 1000}) ORDER BY hour`,
  );
  return rows.map(([t, open, high, low, close, volume]) => ({
    openTimeMs: Number(t),
    open: open as number,
    high: high as number,
    low: low as number,
    close: close as number,
    volume: volume as number,
  }));
}

/** The summary below the watermark equals the truth's hours; returns the watermark. */
async function assertSummaryCorrect(store: Store, history: CandleHistory): Promise<Watermark> {
  const mark = await watermark(store, history);
  assert.ok(mark !== null, `no watermark for ${history.symbol}`);
  const truth = history.truth();
  const expected = aggregateCandles(truth.filter((c) => c.openTimeMs < mark.throughMs), HOUR_MS);
  assert.deepEqual(await summaryHours(store, history, mark.throughMs), expected);
  const below = truth.filter((c) => c.openTimeMs < mark.throughMs);
  assert.equal(mark.firstMs, below.length > 0 ? below[0].openTimeMs : null);
  return mark;
}

Deno.test("store.refreshSummary() summarises the complete hours OHLC-correctly and leaves the forming hour to the bars", async (t) => {
  await withTempDir(async (dir) => {
    await using store = await openStore(`${dir}/cache.duckdb`);
    const h = createCandleHistory("SUMM");
    // 10 h 30 min of bars, each 7th first sent as a partial bar with a higher high and volume.
    await store.commit({ candles: h.bars(0, 630, { partials: true }) });
    assert.deepEqual(await watermark(store, h), { throughMs: HISTORY_START_MS, firstMs: null });
    assert.deepEqual(await store.refreshSummary(), { streams: 1, hours: 10 });
    const mark = await assertSummaryCorrect(store, h);
    assert.equal(mark.throughMs, HISTORY_START_MS + 10 * HOUR_MS, "the forming 11th hour is not summarised");

    await t.step("bars of the forming hour only: the refresh has nothing to do", async () => {
      await store.commit({ candles: h.bars(630, 650) });
      assert.deepEqual(await store.refreshSummary(), { streams: 0, hours: 0 });
      assert.equal((await watermark(store, h))!.throughMs, mark.throughMs);
    });
    await t.step("a new hour begins: the finished one is summarised", async () => {
      await store.commit({ candles: h.bars(650, 665) });
      assert.deepEqual(await store.refreshSummary(), { streams: 1, hours: 1 });
      assert.equal((await assertSummaryCorrect(store, h)).throughMs, HISTORY_START_MS + 11 * HOUR_MS);
    });
  });
});

Deno.test("a commit below the watermark lowers it in the commit's own transaction", async (t) => {
  await withTempDir(async (dir) => {
    await using store = await openStore(`${dir}/cache.duckdb`);
    const h = createCandleHistory("SUMM");
    const other = createCandleHistory("OTHR");
    // A hole at minutes 120–239 (hours 2 and 3), filled later by a backfill.
    await store.commit({ candles: [...h.bars(0, 120), ...other.bars(0, 600)] });
    await store.commit({ candles: h.bars(240, 600, { partials: true }) });
    await store.refreshSummary();
    const before = await assertSummaryCorrect(store, h);
    assert.equal(before.throughMs, HISTORY_START_MS + 9 * HOUR_MS);

    await t.step("a backfill of old hours", async () => {
      await store.commit({ candles: h.bars(120, 240, { origin: "backfill" }) });
      assert.equal((await watermark(store, h))!.throughMs, HISTORY_START_MS + 2 * HOUR_MS, "lowered at commit");
      assert.equal((await watermark(store, other))!.throughMs, before.throughMs, "other streams keep theirs");
      await store.refreshSummary();
      assert.equal((await assertSummaryCorrect(store, h)).throughMs, before.throughMs);
    });
    await t.step("a second epoch re-sending bars of an old hour and of the forming one", async () => {
      await store.commit({ candles: h.bars(61, 70, { epoch: 2n, salt: 3 }) });
      await store.commit({ candles: h.bars(590, 600, { epoch: 2n, salt: 3 }) });
      assert.equal((await watermark(store, h))!.throughMs, HISTORY_START_MS + HOUR_MS);
      await store.refreshSummary();
      await assertSummaryCorrect(store, h);
    });
    await t.step("a bar before the first one", async () => {
      const early = createCandleHistory("SUMM");
      // Minute -90 of the history: 1 h 30 before its first bar, in an hour the summary has never seen.
      const rows = early.bars(-90, -89, { epoch: 4n, salt: 1 });
      await store.commit({ candles: rows });
      h.bars(-90, -89, { epoch: 4n, salt: 1 }); // the same bar, into the history's truth
      await store.refreshSummary();
      const mark = await assertSummaryCorrect(store, h);
      assert.equal(mark.firstMs, rows[0].openTimeMs);
    });
    await t.step("rebuildSummary() computes the same summary from scratch", async () => {
      const incremental = await query(store, `SELECT * FROM candles_hourly ORDER BY symbol, interval, hour`);
      const marks = await query(store, `SELECT * FROM summary_watermarks ORDER BY symbol, interval`);
      await store.rebuildSummary();
      assert.deepEqual(await query(store, `SELECT * FROM candles_hourly ORDER BY symbol, interval, hour`), incremental);
      assert.deepEqual(await query(store, `SELECT * FROM summary_watermarks ORDER BY symbol, interval`), marks);
    });
  });
});

Deno.test("store.close() refreshes the summary, so the next run starts with it complete", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/cache.duckdb`;
    const h = createCandleHistory("SUMM");
    {
      await using store = await openStore(path);
      await store.commit({ candles: h.bars(0, 200) });
    }
    await using store = await openStore(path, { readOnly: true });
    assert.equal((await assertSummaryCorrect(store, h)).throughMs, HISTORY_START_MS + 3 * HOUR_MS);
  });
});

Deno.test("openStore() builds the summary of a schema-version-1 cache once, logging its progress", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/cache.duckdb`;
    const h = createCandleHistory("SUMM");
    const daily = createCandleHistory("SPX", "1d");
    {
      await using store = await openStore(path);
      await store.commit({
        candles: [...h.bars(0, 300, { partials: true }), ...h.bars(100, 130, { epoch: 2n, salt: 5 })],
      });
      await store.commit({ candles: daily.bars(0, 5) });
    }
    // What a version-1 cache looks like: the same tables without the summary and the revision watermark, and
    // candles_latest ranking every row.
    {
      const instance = await DuckDBInstance.create(path);
      const connection = await instance.connect();
      await connection.run(`DROP TABLE candles_hourly`);
      await connection.run(`DROP TABLE summary_watermarks`);
      await connection.run(`CREATE OR REPLACE VIEW candles_latest AS
        SELECT c.* FROM candles c LEFT JOIN epochs e ON e.source = c.source AND e.epoch = c.epoch
        QUALIFY row_number() OVER (PARTITION BY c.symbol, c.interval, c.open_time ORDER BY ${NEWEST_REVISION_FIRST}) = 1`);
      await connection.run(`DROP TABLE revision_watermark`);
      await connection.run(`UPDATE meta SET value = '1' WHERE key = 'schema_version'`);
      connection.closeSync();
      instance.closeSync();
    }
    await assert.rejects(openStore(path, { readOnly: true }), /schema version is 1, expected 3; open it writable/);
    {
      // Read-only and accepting the older version (what the app does before the ingest migrates it): the tables
      // every version has are readable.
      await using old = await openStore(path, { readOnly: true, acceptOlderSchema: true });
      assert.deepEqual(await query(old, `SELECT count(*) > 0 FROM candles`), [[true]]);
    }
    const logged: string[] = [];
    const logger = {
      info: (message: string) => void logged.push(message),
      warn: (message: string) => void logged.push(`warn: ${message}`),
    };
    {
      await using store = await openStore(path, { logger });
      assert.ok(logged.some((m) => m.startsWith("building the hourly candle summary")), logged.join("\n"));
      assert.ok(logged.includes("hourly candle summary built"), logged.join("\n"));
      assert.equal((await assertSummaryCorrect(store, h)).throughMs, HISTORY_START_MS + 4 * HOUR_MS);
      assert.deepEqual(await query(store, `SELECT value FROM meta WHERE key = 'schema_version'`), [["3"]]);
      // Version 3: compacted once, the revision watermark raised.
      assert.ok(logged.includes("candles compacted"), logged.join("\n"));
      assert.deepEqual(await query(store, `SELECT revised_from = 'infinity' FROM revision_watermark`), [[true]]);
      // Daily bars are summarised too (one hour row per day); the newest day is above the watermark.
      assert.equal((await assertSummaryCorrect(store, daily)).throughMs, HISTORY_START_MS + 4 * 86_400_000);
    }
    logged.length = 0;
    {
      await using _store = await openStore(path, { logger });
      assert.ok(!logged.some((m) => m.includes("summary")), "built once only");
    }
  });
});

Deno.test("a kill between a commit and the summary's refresh leaves the watermark below the new bars", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/cache.duckdb`;
    const h = createCandleHistory("SUMM");
    {
      await using store = await openStore(path);
      await store.commit({ candles: h.bars(0, 600) });
      await store.refreshSummary();
    }
    // The child re-sends minutes 100–139 and 500–509 as a newer epoch, then dies before any refresh.
    for (const [from, to] of [[100, 140], [500, 510]]) {
      const child = new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", CRASH_WRITER, path, String(from), String(to)],
        stdout: "piped",
        stderr: "inherit",
      }).spawn();
      const { stdout, signal } = await child.output();
      assert.equal(new TextDecoder().decode(stdout).trim(), "committed");
      assert.equal(signal, "SIGKILL");
      h.bars(from, to, { epoch: 5n, salt: 9 });
    }
    await using store = await openStore(path);
    const mark = await assertSummaryCorrect(store, h);
    assert.equal(mark.throughMs, HISTORY_START_MS + HOUR_MS, "lowered by the killed process's commit");
    // Nothing was touched in this process, so only the next commit of the stream moves the watermark on.
    await store.commit({ candles: h.bars(600, 601) });
    await store.refreshSummary();
    assert.equal((await assertSummaryCorrect(store, h)).throughMs, HISTORY_START_MS + 10 * HOUR_MS);
  });
});

Deno.test("store.refreshSummary() moves a stream at most ~1 000 bars per pass and finishes at the next passes", async () => {
  await withTempDir(async (dir) => {
    await using store = await openStore(`${dir}/cache.duckdb`);
    const h = createCandleHistory("STEP");
    // 40 hours of one-minute bars at once, a replay say: a pass summarises 16 whole hours of them.
    await store.commit({ candles: h.bars(0, 40 * 60 + 30) });
    for (const hours of [16, 32, 40, 40]) {
      await store.refreshSummary();
      assert.equal((await assertSummaryCorrect(store, h)).throughMs, HISTORY_START_MS + hours * HOUR_MS);
    }
  });
});
