import assert from "node:assert/strict";
import { join } from "node:path";
import { createCandleWindow } from "../../core/ingest/candleWindow.ts";
import { openStore, type Store } from "../../core/ingest/store.ts";
import type { CandleRow } from "../../core/ingest/storeBatch.ts";
import { aggregateCandles } from "../../core/terminal/aggregateCandles.ts";
import { type CandleRequest, queryCandleViewport, querySummaryBuckets } from "../../core/terminal/candleViewport.ts";
import { loadViewport } from "../../core/terminal/loadViewport.ts";
import { TERMINAL_REQUESTS } from "../../core/terminal/terminalRequests.ts";
import type { RequestContext } from "../../core/ingest/workerRequests.ts";
import type { Candle } from "../../core/wire/types.ts";
import { parseInterval } from "../../core/ingest/interval.ts";
import { createCandleHistory, HISTORY_START_MS, HOUR_MS } from "../ingest/fixtures/candleHistory.ts";

const MINUTE = 60_000;
/** Monday 2024-03-04 00:00 UTC. */
const START_MS = Date.UTC(2024, 2, 4);
const BARS = 3000;

/** Deterministic, irregular bars: integer volumes so that sums compare exactly. */
function bar(i: number): Candle {
  const base = 100 + Math.sin(i / 37) * 10 + ((i * 7919) % 13) / 10;
  const close = base + (((i * 104729) % 21) - 10) / 10;
  return {
    openTimeMs: START_MS + i * MINUTE,
    open: base,
    high: Math.max(base, close) + ((i * 31) % 7) / 10,
    low: Math.min(base, close) - ((i * 17) % 5) / 10,
    close,
    volume: 100 + ((i * 7) % 50),
  };
}

function row(
  symbol: string,
  interval: string,
  candle: Candle,
  seq: number,
  overrides: Partial<CandleRow> = {},
): CandleRow {
  return {
    symbol,
    interval,
    ...candle,
    partial: false,
    source: "demo",
    epoch: 1n,
    seq,
    recvTimeMs: candle.openTimeMs + 60_000,
    origin: "live",
    ...overrides,
  };
}

interface Fixture {
  store: Store;
  dir: string;
  /** AAPL 1m as `candles_latest` should see it. */
  truth: Candle[];
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * AAPL: BARS 1-minute bars; every 10th bar has an earlier partial revision with a *higher* high and a larger volume
 * (so a query that ignored revisions would report the wrong high and sum). MSFT rows are interleaved. SPX has only
 * daily bars.
 */
async function fixture(): Promise<Fixture> {
  const dir = await Deno.makeTempDir({ prefix: "fluxbook-viewport-" });
  const store = await openStore(join(dir, "cache.duckdb"));
  const rows: CandleRow[] = [];
  const truth: Candle[] = [];
  let seq = 1;
  for (let i = 0; i < BARS; i++) {
    const candle = bar(i);
    if (i % 10 === 0) {
      rows.push(
        row("AAPL", "1m", { ...candle, high: candle.high + 50, volume: candle.volume * 3 }, seq++, { partial: true }),
      );
    }
    rows.push(row("AAPL", "1m", candle, seq++));
    rows.push(row("MSFT", "1m", { ...candle, high: candle.high + 1000 }, i + 1));
    truth.push(candle);
  }
  for (let d = 0; d < 40; d++) {
    rows.push(row("SPX", "1d", { ...bar(d), openTimeMs: START_MS + d * 86_400_000 }, d + 1));
  }
  // In two commits, so the revisions sit in another row group than some of their bars.
  await store.commit({ candles: rows.slice(0, rows.length / 2) });
  await store.commit({ candles: rows.slice(rows.length / 2) });
  return {
    store,
    dir,
    truth,
    async [Symbol.asyncDispose]() {
      await store.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

function request(overrides: Partial<CandleRequest>): CandleRequest {
  return { symbol: "AAPL", interval: "1m", fromMs: null, toMs: null, maxRows: 400, minBucketMs: null, ...overrides };
}

Deno.test("queryCandleViewport() downsamples OHLC-correctly and never returns more rows than the width allows", async (t) => {
  await using fx = await fixture();
  const reader = await fx.store.instance.connect();
  try {
    const cases: [string, Partial<CandleRequest>][] = [
      ["the newest 400 bars, no re-bucketing", { maxRows: 400 }],
      ["everything in 100 rows", { fromMs: START_MS, toMs: START_MS + BARS * MINUTE, maxRows: 100 }],
      ["everything in 7 rows", { fromMs: START_MS, toMs: START_MS + BARS * MINUTE, maxRows: 7 }],
      ["an unaligned middle range", {
        fromMs: START_MS + 123 * MINUTE + 17,
        toMs: START_MS + 2_345 * MINUTE,
        maxRows: 333,
      }],
      ["a 5m chart over 1m bars", { interval: "5m", fromMs: START_MS, toMs: START_MS + BARS * MINUTE, maxRows: 1000 }],
      ["a minimum bucket", { fromMs: START_MS, toMs: START_MS + 600 * MINUTE, maxRows: 600, minBucketMs: 15 * MINUTE }],
      ["one row", { fromMs: START_MS, toMs: START_MS + BARS * MINUTE, maxRows: 1 }],
    ];
    for (const [name, overrides] of cases) {
      await t.step(name, async () => {
        const req = request(overrides);
        const rows = await queryCandleViewport(reader, req);
        assert.ok(rows.candles.length <= req.maxRows, `${rows.candles.length} rows > maxRows ${req.maxRows}`);
        assert.ok(rows.candles.length > 0);
        assert.equal(rows.bucketMs % (req.interval === "5m" ? 5 * MINUTE : MINUTE), 0);
        if (req.minBucketMs !== null) assert.ok(rows.bucketMs >= req.minBucketMs);
        // The truth, bucketed in JS: the newest revision of each bar, then open first, close last, high max, low
        // min, volume summed.
        const inRange = fx.truth.filter((c) => c.openTimeMs >= rows.fromMs && c.openTimeMs < rows.toMs);
        assert.deepEqual(rows.candles, aggregateCandles(inRange, rows.bucketMs));
        assert.ok(rows.fromMs <= (req.fromMs ?? rows.fromMs) && rows.toMs >= (req.toMs ?? rows.toMs));
      });
    }
    await t.step("a bar's newest revision wins, also where it has a lower high and volume", async () => {
      const rows = await queryCandleViewport(reader, request({ fromMs: START_MS, toMs: START_MS + 20 * MINUTE }));
      assert.equal(rows.bucket, "1m");
      assert.deepEqual(rows.candles[0], fx.truth[0]);
      assert.deepEqual(rows.candles[10], fx.truth[10]);
    });
    await t.step("the default range ends at the newest stored bar", async () => {
      const rows = await queryCandleViewport(reader, request({ maxRows: 50 }));
      assert.equal(rows.candles.at(-1)!.openTimeMs, fx.truth.at(-1)!.openTimeMs);
      assert.equal(rows.candles.length, 50);
      assert.equal(rows.firstMs, START_MS);
      assert.equal(rows.lastMs, fx.truth.at(-1)!.openTimeMs);
    });
    await t.step("a symbol with only daily bars is shown at 1d, and says so", async () => {
      const rows = await queryCandleViewport(reader, request({ symbol: "SPX", maxRows: 10 }));
      assert.equal(rows.requestedInterval, "1m");
      assert.equal(rows.interval, "1d");
      assert.equal(rows.sourceInterval, "1d");
      assert.ok(rows.candles.length <= 10 && rows.candles.length > 0);
    });
    await t.step("an unknown symbol is an empty viewport, not an error", async () => {
      const rows = await queryCandleViewport(reader, request({ symbol: "NOPE" }));
      assert.deepEqual(rows.candles, []);
      assert.equal(rows.sourceInterval, null);
    });
    await t.step("a symbol that looks like SQL is only a value", async () => {
      const rows = await queryCandleViewport(reader, request({ symbol: "A' OR '1'='1" }));
      assert.deepEqual(rows.candles, []);
    });
  } finally {
    reader.closeSync();
  }
});

Deno.test("queryCandleViewport() shades gaps as the time between the bars around the missing seqs", async () => {
  await using fx = await fixture();
  // Bars with seqs 1..10 at minutes 0..9, then seqs 16..20 at minutes 15..19: seqs 11..15 never arrived.
  const rows: CandleRow[] = [];
  for (let i = 0; i < 20; i++) {
    if (i >= 10 && i < 15) continue;
    rows.push(row("GAPPY", "1m", bar(i), i + 1));
  }
  await fx.store.commit({
    candles: rows,
    gaps: [
      { source: "demo", topic: "candle.GAPPY.1m", epoch: 1n, fromSeq: 11, toSeq: 15, state: "unfillable", attempts: 5 },
      // A filled gap is not shaded.
      { source: "demo", topic: "candle.GAPPY.1m", epoch: 1n, fromSeq: 3, toSeq: 3, state: "filled", attempts: 1 },
    ],
  });
  const reader = await fx.store.instance.connect();
  try {
    const result = await queryCandleViewport(
      reader,
      request({ symbol: "GAPPY", fromMs: START_MS, toMs: START_MS + 20 * MINUTE }),
    );
    assert.deepEqual(result.gaps, [{
      fromMs: START_MS + 10 * MINUTE,
      toMs: START_MS + 15 * MINUTE,
      state: "unfillable",
      seqs: 5,
    }]);
    const outside = await queryCandleViewport(
      reader,
      request({ symbol: "GAPPY", fromMs: START_MS, toMs: START_MS + 5 * MINUTE }),
    );
    assert.deepEqual(outside.gaps, []);
  } finally {
    reader.closeSync();
  }
});

Deno.test("loadViewport() joins the live tail of the window: newer bars and revisions of the cache's", async () => {
  await using fx = await fixture();
  const reader = await fx.store.instance.connect();
  try {
    const window = createCandleWindow({ capacity: 500 });
    // The window holds the newest 300 bars; the forming bar was revised after the commit and two more bars
    // arrived that the cache does not have yet.
    const tail = fx.truth.slice(BARS - 300).map((c) => ({ ...c }));
    tail[tail.length - 1] = { ...tail[tail.length - 1], high: 999, close: 500, volume: 77_777 };
    const newer = [bar(BARS), bar(BARS + 1)];
    window.seed("AAPL|1m", [...tail, ...newer]);
    const ctx = { reader } as unknown as RequestContext;
    const ingest = {
      window,
      request: <T>(method: string, params?: unknown): Promise<T> =>
        TERMINAL_REQUESTS[method](ctx, params) as Promise<T>,
    };
    const view = await loadViewport(ingest, {
      symbol: "AAPL",
      interval: "1m",
      fromMs: null,
      toMs: null,
      width: 1200,
      minBucketMs: null,
    });
    assert.equal(view.bucket, "1m");
    assert.equal(view.candles.at(-1)!.openTimeMs, newer[1].openTimeMs, "the bars only the window has are there");
    assert.equal(view.candles.length, 400);
    const revised = view.candles.find((c) => c.openTimeMs === tail.at(-1)!.openTimeMs)!;
    assert.equal(revised.high, 999, "the window's revision replaces the cache's");
    assert.deepEqual(view.live, { key: "AAPL|1m", interval: "1m", prefix: null, current: newer[1] });

    await t_zoomedOut(ingest, fx.truth, tail, newer);
  } finally {
    reader.closeSync();
  }
});

/** Zoomed out: buckets the window covers entirely are folded from it, older ones come from the cache. */
async function t_zoomedOut(
  ingest: Parameters<typeof loadViewport>[0],
  truth: Candle[],
  tail: Candle[],
  newer: Candle[],
): Promise<void> {
  const view = await loadViewport(ingest, {
    symbol: "AAPL",
    interval: "1m",
    fromMs: START_MS,
    toMs: newer[1].openTimeMs + MINUTE,
    width: 700,
    minBucketMs: null,
  });
  assert.ok(view.bucketMs > MINUTE);
  assert.ok(view.candles.length <= Math.floor(700 / 3));
  assert.deepEqual(view.candles, aggregateCandles([...truth.slice(0, BARS - 300), ...tail, ...newer], view.bucketMs));
  // Live bars come at the longest chart interval that nests in the bucket; this window has only 1m bars of it.
  const live = view.live!;
  assert.equal(view.bucketMs % parseInterval(live.interval), 0);
  assert.equal(live.key, `AAPL|${live.interval}`);
  if (live.interval === "1m") assert.deepEqual(live.current, newer[1]);
  else assert.equal(live.current, null);
}

Deno.test("queryCandleViewport() sees a stream committed after the first query of its symbol", async () => {
  await using fx = await fixture();
  const reader = await fx.store.instance.connect();
  try {
    assert.equal((await queryCandleViewport(reader, request({ symbol: "LATE" }))).sourceInterval, null);
    await fx.store.commit({ candles: [row("LATE", "1m", bar(0), 1)] });
    assert.equal((await queryCandleViewport(reader, request({ symbol: "LATE" }))).sourceInterval, "1m");
  } finally {
    reader.closeSync();
  }
});

Deno.test("loadViewport() tells the chart how to fold live bars into the newest bucket", async () => {
  await using fx = await fixture();
  const reader = await fx.store.instance.connect();
  try {
    const window = createCandleWindow({ capacity: 500 });
    const last = fx.truth.at(-1)!;
    // The newest 30-minute bucket holds two 15-minute bars of the window.
    const bucket30 = Math.floor(last.openTimeMs / (30 * MINUTE)) * 30 * MINUTE;
    const first15 = { ...bar(1), openTimeMs: bucket30, high: 500, volume: 5 };
    const second15 = { ...bar(2), openTimeMs: bucket30 + 15 * MINUTE, volume: 7 };
    window.seed("AAPL|15m", [{ ...bar(0), openTimeMs: bucket30 - 15 * MINUTE }, first15, second15]);
    const ctx = { reader } as unknown as RequestContext;
    const view = await loadViewport({
      window,
      request: <T>(method: string, params?: unknown): Promise<T> =>
        TERMINAL_REQUESTS[method](ctx, params) as Promise<T>,
    }, {
      symbol: "AAPL",
      interval: "1m",
      fromMs: last.openTimeMs - 10 * 60 * MINUTE,
      toMs: last.openTimeMs + MINUTE,
      width: 3 * 21,
      minBucketMs: null,
    });
    assert.equal(view.bucket, "30m");
    assert.deepEqual(view.live, { key: "AAPL|15m", interval: "15m", prefix: first15, current: second15 });
  } finally {
    reader.closeSync();
  }
});

Deno.test("queryCandleViewport() answers whole-hour buckets from the hourly summary exactly as from the bars", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "fluxbook-viewport-summary-" });
  const store = await openStore(join(dir, "cache.duckdb"));
  const reader = await store.instance.connect();
  try {
    const h = createCandleHistory("SUMM");
    const spanMs = 3600 * MINUTE; // 60 hours of 1m bars from Monday 00:00
    const cases: [string, Partial<CandleRequest>][] = [
      ["1h buckets", { fromMs: HISTORY_START_MS, toMs: HISTORY_START_MS + spanMs, maxRows: 100 }],
      ["2h buckets", { fromMs: HISTORY_START_MS, toMs: HISTORY_START_MS + spanMs, maxRows: 40 }],
      ["12h buckets", { fromMs: HISTORY_START_MS, toMs: HISTORY_START_MS + spanMs, maxRows: 8 }],
      ["1d buckets", { fromMs: HISTORY_START_MS, toMs: HISTORY_START_MS + spanMs, maxRows: 3 }],
      ["one Monday-aligned week", { fromMs: HISTORY_START_MS, toMs: HISTORY_START_MS + spanMs, maxRows: 1 }],
      ["an unaligned middle range", {
        fromMs: HISTORY_START_MS + 123 * MINUTE + 17,
        toMs: HISTORY_START_MS + 2345 * MINUTE,
        maxRows: 20,
      }],
      ["up to the newest bar", { fromMs: HISTORY_START_MS + 5 * HOUR_MS, toMs: null, maxRows: 30 }],
    ];
    /** Every case against the truth: each bar's newest revision, bucketed in JS. */
    const check = async (when: string): Promise<void> => {
      const truth = h.truth();
      for (const [name, overrides] of cases) {
        const rows = await queryCandleViewport(reader, request({ symbol: "SUMM", ...overrides }));
        assert.equal(rows.bucketMs % HOUR_MS, 0, `${when}, ${name}: bucket ${rows.bucket}`);
        const inRange = truth.filter((c) => c.openTimeMs >= rows.fromMs && c.openTimeMs < rows.toMs);
        assert.deepEqual(rows.candles, aggregateCandles(inRange, rows.bucketMs), `${when}, ${name}`);
      }
    };
    const through = async (): Promise<number> =>
      Number(
        (await reader.runAndReadAll(
          `SELECT epoch_ms(through) FROM summary_watermarks WHERE symbol = 'SUMM' AND interval = '1m'`,
        )).getRows()[0][0],
      );

    /** Refresh passes until the watermark stops moving (a pass moves a stream by at most ~1 000 bars). */
    const refreshFully = async (): Promise<void> => {
      let before = NaN;
      while (before !== await through()) {
        before = await through();
        await store.refreshSummary();
      }
    };

    // 50 hours with partial revisions, and a hole at hours 5–7 that a backfill fills later.
    await store.commit({ candles: h.bars(0, 300, { partials: true }) });
    await store.commit({ candles: h.bars(480, 3000, { partials: true }) });
    await check("before any refresh");
    await refreshFully();
    assert.equal(await through(), HISTORY_START_MS + 49 * HOUR_MS);
    await check("after a refresh");

    await t.step("bars committed after a refresh", async () => {
      await store.commit({ candles: h.bars(3000, 3600, { partials: true }) });
      await check("bars after the refresh");
    });
    await t.step("a second epoch re-sending bars on both sides of the watermark", async () => {
      await store.commit({ candles: h.bars(2900, 3100, { epoch: 2n, salt: 1 }) });
      await check("epoch 2, before the refresh");
      await refreshFully();
      assert.equal(await through(), HISTORY_START_MS + 59 * HOUR_MS);
      await check("epoch 2, after the refresh");
    });
    await t.step("a backfill of old hours invalidates them at once", async () => {
      await store.commit({ candles: h.bars(300, 480, { origin: "backfill" }) });
      await store.commit({ candles: h.bars(100, 110, { epoch: 3n, salt: 2 }) });
      await check("backfill, before the refresh");
      await refreshFully();
      assert.equal(await through(), HISTORY_START_MS + 59 * HOUR_MS);
      await check("backfill, after the refresh");
    });
    await t.step(
      "the summary is what answers (a corrupted hour shows), and a lowered watermark is noticed",
      async () => {
        await store.instance.connect().then(async (writer) => {
          await writer.run(
            `UPDATE candles_hourly SET high = 1e6 WHERE symbol = 'SUMM' AND hour = make_timestamp(${
              (HISTORY_START_MS + HOUR_MS) * 1000
            })`,
          );
          writer.closeSync();
        });
        const rows = await queryCandleViewport(reader, request({ symbol: "SUMM", ...cases[0][1] }));
        assert.equal(rows.candles.length, 60);
        assert.equal(rows.candles[1].high, 1e6);
        const range = { symbol: "SUMM", interval: "1m", bucketMs: HOUR_MS, fromMs: HISTORY_START_MS };
        const toMs = HISTORY_START_MS + spanMs;
        assert.equal(
          await querySummaryBuckets(reader, { ...range, toMs, throughMs: (await through()) + HOUR_MS }),
          null,
        );
        assert.equal((await querySummaryBuckets(reader, { ...range, toMs, throughMs: await through() }))![1].high, 1e6);
        await store.rebuildSummary();
        await check("after a rebuild");
      },
    );
  } finally {
    reader.closeSync();
    await store.close();
    await Deno.remove(dir, { recursive: true });
  }
});
