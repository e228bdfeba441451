import assert from "node:assert/strict";
import { openStore, type Store } from "../../core/ingest/store.ts";
import { query, withTempDir } from "./fixtures/storeTestKit.ts";
import type { CandleRow, GapUpsert } from "../../core/ingest/storeBatch.ts";
import { candleRow, tickRow, tradeRow } from "./fixtures/storeRows.ts";

const MINUTE_MS = 60_000;
const T0 = 1_700_000_040_000; // a minute boundary

async function count(store: Store, table: string): Promise<number> {
  return Number((await query(store, `SELECT count(*) FROM ${table}`))[0][0]);
}

function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

Deno.test("openStore() keeps rows, cursors and gaps across close and reopen", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/nested/cache.duckdb`;
    const gap: GapUpsert = {
      source: "demo",
      topic: "tick.AAPL",
      epoch: 1n,
      fromSeq: 5,
      toSeq: 9,
      state: "open",
      attempts: 0,
    };
    {
      await using store = await openStore(path);
      const result = await store.commit({
        candles: [candleRow({ seq: 1 }), candleRow({ seq: 2, openTimeMs: T0 + MINUTE_MS, partial: true })],
        ticks: [tickRow({ seq: 4 }), tickRow({ seq: 4, tsNs: 1_700_000_000_000_000_001n })],
        trades: [tradeRow({ seq: 3, tradeId: 2n ** 63n + 5n, side: "sell", origin: "backfill" })],
        cursors: [
          { source: "demo", topic: "candle.AAPL.1m", epoch: 1n, lastSeq: 2 },
          { source: "demo", topic: "tick.AAPL", epoch: 1n, lastSeq: 4 },
          { source: "demo", topic: "trade.AAPL", epoch: 1n, lastSeq: 3 },
        ],
        gaps: [gap],
      });
      assert.deepEqual(result, { candles: 2, ticks: 2, trades: 1, cursors: 3, gaps: 1, staleCursors: 0 });
    }
    await using store = await openStore(path);
    assert.deepEqual(await store.loadCursors(), [
      { source: "demo", topic: "candle.AAPL.1m", epoch: 1n, lastSeq: 2 },
      { source: "demo", topic: "tick.AAPL", epoch: 1n, lastSeq: 4 },
      { source: "demo", topic: "trade.AAPL", epoch: 1n, lastSeq: 3 },
    ]);
    const [stored] = await store.openGaps();
    assert.deepEqual({ ...stored, openedAtMs: 0, updatedAtMs: 0 }, { ...gap, openedAtMs: 0, updatedAtMs: 0 });
    assert.equal(await count(store, "candles"), 2);
    assert.deepEqual(await query(store, `SELECT count(*), min(seq), max(seq) FROM ticks`), [[2n, 4n, 4n]]);
    assert.deepEqual(
      await query(store, `SELECT trade_id, side, origin, epoch_ns(ts) FROM trades`),
      [[2n ** 63n + 5n, "sell", "backfill", 1_700_000_000_000_000_000n]],
    );
    const recent = await store.recentCandles("AAPL", "1m", { limit: 10 });
    // Lineage comes back too, so the deduper can resume from it.
    assert.deepEqual(recent.map((c) => [c.source, typeof c.epoch, typeof c.seq]), [
      [candleRow().source, "bigint", "number"],
      [candleRow().source, "bigint", "number"],
    ]);
    assert.deepEqual(recent.map(({ source: _s, epoch: _e, seq: _q, ...bar }) => bar), [
      {
        openTimeMs: candleRow().openTimeMs,
        open: 100,
        high: 101,
        low: 99,
        close: 100.5,
        volume: 1_000,
        partial: false,
      },
      { openTimeMs: T0 + MINUTE_MS, open: 100, high: 101, low: 99, close: 100.5, volume: 1_000, partial: true },
    ]);
  });
});

Deno.test("candles_latest keeps one row per bar: the highest seq, and a newer epoch over an older one", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/cache.duckdb`;
    const bar = (openTimeMs: number, epoch: bigint, seq: number, close: number, recvTimeMs: number): CandleRow =>
      candleRow({ openTimeMs, epoch, seq, close, recvTimeMs, partial: true });
    {
      await using store = await openStore(path);
      // Epoch 10 is seen first; revisions of bar T0 arrive out of seq order.
      await store.commit({ candles: [bar(T0, 10n, 3, 1, 1_000), bar(T0 + MINUTE_MS, 10n, 3, 5, 1_000)] });
      await store.commit({ candles: [bar(T0, 10n, 5, 2, 1_100)] });
      await store.commit({ candles: [bar(T0, 10n, 4, 3, 1_200), bar(T0 + MINUTE_MS, 10n, 6, 6, 1_200)] });
      // The publisher restarts: epoch 7 is a smaller number but seen later, so it is the newer epoch, and its
      // seq 1 revision of bar T0 beats epoch 10's seq 5.
      await store.commit({ candles: [bar(T0, 7n, 1, 9, 2_000)] });
    }
    await using store = await openStore(path);
    assert.deepEqual(
      await query(
        store,
        `SELECT epoch_ms(open_time), epoch, seq, close FROM candles_latest WHERE symbol = 'AAPL' ORDER BY open_time`,
      ),
      [[BigInt(T0), 7n, 1n, 9], [BigInt(T0 + MINUTE_MS), 10n, 6n, 6]],
    );
    assert.deepEqual(
      (await store.recentCandles("AAPL", "1m", { limit: 5 })).map((c) => [c.openTimeMs, c.close]),
      [[T0, 9], [T0 + MINUTE_MS, 6]],
    );
  });
});

Deno.test("store.commit() writes all of a batch or, when any part fails, none of it", async (t) => {
  await withTempDir(async (dir) => {
    const path = `${dir}/cache.duckdb`;
    const cursor = { source: "demo", topic: "candle.AAPL.1m", epoch: 1n, lastSeq: 1 };
    {
      await using store = await openStore(path);
      await store.commit({ candles: [candleRow({ seq: 1 })], cursors: [cursor] });

      await t.step("a gap the database refuses (toSeq < fromSeq) rolls back the rows and cursors", async () => {
        await assert.rejects(
          store.commit({
            candles: [candleRow({ seq: 2, openTimeMs: T0 + MINUTE_MS })],
            ticks: [tickRow({ seq: 2 })],
            cursors: [{ ...cursor, lastSeq: 2 }],
            gaps: [{ ...cursor, fromSeq: 9, toSeq: 3, state: "open", attempts: 0 }],
          }),
          (error: unknown) =>
            error instanceof Error && error.message.startsWith(`Cannot commit batch to cache ${path}:`),
        );
        assert.equal(await count(store, "candles"), 1);
        assert.equal(await count(store, "ticks"), 0);
        assert.deepEqual(await store.loadCursors(), [cursor]);
      });

      await t.step("a row that fails to convert drops the rows already appended from the same batch", async () => {
        await assert.rejects(
          store.commit({
            candles: [candleRow({ seq: 2, openTimeMs: T0 + MINUTE_MS })],
            ticks: [tickRow({ seq: 2, epoch: -1n })],
            cursors: [{ ...cursor, lastSeq: 2 }],
          }),
          /Cannot commit batch/,
        );
        // The next commit must not carry the dropped candle along with it.
        await store.commit({ cursors: [{ ...cursor, lastSeq: 3 }] });
        assert.equal(await count(store, "candles"), 1);
        assert.deepEqual(await store.loadCursors(), [{ ...cursor, lastSeq: 3 }]);
      });

      await t.step("the store takes batches after a failed one", async () => {
        await store.commit({ candles: [candleRow({ seq: 4, openTimeMs: T0 + MINUTE_MS })], cursors: [cursor] });
      });
    }
    await using store = await openStore(path);
    assert.equal(await count(store, "candles"), 2);
    assert.equal(await count(store, "ticks"), 0);
    assert.deepEqual(await store.loadCursors(), [{ ...cursor, lastSeq: 3 }]);
  });
});

Deno.test("store.commit() moves cursors forward within an epoch and replaces them with a newer epoch", async (t) => {
  await using store = await openStore(":memory:");
  const topic = { source: "demo", topic: "tick.AAPL" };
  await store.commit({
    ticks: [tickRow({ epoch: 5n, recvTimeMs: 1_000 })],
    cursors: [{ ...topic, epoch: 5n, lastSeq: 8 }],
  });

  await t.step("a lower seq in the same epoch is a replay and leaves the cursor alone", async () => {
    const result = await store.commit({ cursors: [{ ...topic, epoch: 5n, lastSeq: 3 }] });
    assert.equal(result.cursors, 0);
    assert.deepEqual(await store.loadCursors(), [{ ...topic, epoch: 5n, lastSeq: 8 }]);
  });

  await t.step("a newer epoch replaces the cursor even with a lower seq", async () => {
    await store.commit({
      ticks: [tickRow({ epoch: 2n, recvTimeMs: 2_000 })],
      cursors: [{ ...topic, epoch: 2n, lastSeq: 1 }],
    });
    assert.deepEqual(await store.loadCursors(), [{ ...topic, epoch: 2n, lastSeq: 1 }]);
  });

  await t.step("an advance from the older epoch is stale and ignored", async () => {
    const result = await store.commit({ cursors: [{ ...topic, epoch: 5n, lastSeq: 50 }] });
    assert.deepEqual([result.cursors, result.staleCursors], [0, 1]);
    assert.deepEqual(await store.loadCursors(), [{ ...topic, epoch: 2n, lastSeq: 1 }]);
  });

  await t.step("many cursors in one batch, new and existing, each land on their own row", async () => {
    const topics = ["a", "b", "c", "d", "e", "f", "g"].map((name) => ({ source: "many", topic: `tick.${name}` }));
    await store.commit({ cursors: topics.map((c, i) => ({ ...c, epoch: 1n, lastSeq: i + 1 })) });
    const result = await store.commit({
      cursors: [
        ...topics.map((c, i) => ({ ...c, epoch: 1n, lastSeq: 100 + i })),
        { source: "many", topic: "tick.new", epoch: 1n, lastSeq: 9 },
        { ...topics[0], epoch: 1n, lastSeq: 99 }, // a replay later in the same batch changes nothing
      ],
    });
    assert.equal(result.cursors, 8);
    assert.deepEqual(
      (await store.loadCursors()).filter((c) => c.source === "many").map((c) => [c.topic, c.lastSeq]),
      [...topics.map((c, i) => [c.topic, 100 + i]), ["tick.new", 9]],
    );
  });
});

Deno.test("store.openGaps() lists open and requested gaps, updated in place", async () => {
  await using store = await openStore(":memory:");
  const gap: GapUpsert = {
    source: "demo",
    topic: "tick.AAPL",
    epoch: 1n,
    fromSeq: 5,
    toSeq: 9,
    state: "open",
    attempts: 0,
  };
  const other: GapUpsert = { ...gap, topic: "trade.AAPL", fromSeq: 2, toSeq: 2 };
  await store.commit({ gaps: [gap, other] });
  const [opened] = await store.openGaps();
  await store.commit({ gaps: [{ ...gap, state: "requested", attempts: 1, reason: "backfill sent" }] });
  const gaps = await store.openGaps();
  assert.deepEqual(gaps.map((g) => [g.topic, g.state, g.attempts, g.reason]), [
    ["tick.AAPL", "requested", 1, "backfill sent"],
    ["trade.AAPL", "open", 0, undefined],
  ]);
  assert.equal(gaps[0].openedAtMs, opened.openedAtMs, "an update keeps the time the gap was opened");
  await store.commit({
    gaps: [{ ...gap, state: "filled", attempts: 1 }, { ...other, state: "unfillable", attempts: 3 }],
  });
  assert.deepEqual(await store.openGaps(), []);
  assert.equal(await count(store, "gaps"), 2);
});

Deno.test("store.recentCandles() returns the newest revision of the last bars, ascending and limited", async () => {
  await using store = await openStore(":memory:");
  const candles: CandleRow[] = [];
  for (let i = 0; i < 10; i++) {
    // Two revisions of every bar; the second (higher seq) is the one to return.
    candles.push(candleRow({ openTimeMs: T0 + i * MINUTE_MS, seq: 2 * i + 1, close: -i, partial: true }));
    candles.push(candleRow({ openTimeMs: T0 + i * MINUTE_MS, seq: 2 * i + 2, close: i }));
  }
  candles.push(candleRow({ openTimeMs: T0 + 20 * MINUTE_MS, interval: "5m" }));
  candles.push(candleRow({ openTimeMs: T0 + 20 * MINUTE_MS, symbol: "MSFT" }));
  // Stored out of order: the order must come from the query, not from insertion.
  await store.commit({ candles: candles.reverse() });

  const last3 = await store.recentCandles("AAPL", "1m", { limit: 3 });
  assert.deepEqual(last3.map((c) => [c.openTimeMs, c.close]), [
    [T0 + 7 * MINUTE_MS, 7],
    [T0 + 8 * MINUTE_MS, 8],
    [T0 + 9 * MINUTE_MS, 9],
  ]);
  assert.equal((await store.recentCandles("AAPL", "1m", { limit: 100 })).length, 10);
  assert.deepEqual(await store.recentCandles("AAPL", "1h", { limit: 100 }), []);
  assert.equal(await store.lastOpenTimeMs("AAPL", "1m"), T0 + 9 * MINUTE_MS);
  assert.equal(await store.lastOpenTimeMs("AAPL", "1h"), null);
});

Deno.test("store.compact() keeps exactly the newest revision of every bar", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/cache.duckdb`;
    const random = mulberry32(7);
    const latestSql =
      `SELECT symbol, epoch_ms(open_time), epoch, seq, close FROM candles_latest ORDER BY symbol, open_time`;
    let before: unknown[][];
    {
      await using store = await openStore(path);
      // Two epochs, 3 symbols x 50 bars, 1-5 revisions each in random seq order, in batches of random size.
      for (const [epoch, recvTimeMs] of [[1n, 1_000], [2n, 5_000]] as const) {
        const rows: CandleRow[] = [];
        for (const symbol of ["A", "B", "C"]) {
          for (let bar = 0; bar < 50; bar++) {
            if (epoch === 2n && bar < 40) continue; // the new epoch re-sends only the last bars
            const revisions = 1 + Math.floor(random() * 5);
            for (let r = 0; r < revisions; r++) {
              const seq = 1 + Math.floor(random() * 1_000);
              rows.push(
                candleRow({
                  symbol,
                  openTimeMs: T0 + bar * MINUTE_MS,
                  epoch,
                  seq,
                  close: seq,
                  recvTimeMs,
                  partial: true,
                }),
              );
            }
          }
        }
        rows.sort(() => random() - 0.5);
        for (let i = 0; i < rows.length;) {
          const size = 1 + Math.floor(random() * 40);
          await store.commit({ candles: rows.slice(i, i + size) });
          i += size;
        }
      }
      before = await query(store, latestSql);
      assert.equal(before.length, 150);
      const total = await count(store, "candles");
      assert.ok(total > 150, "the fixture has superseded revisions to remove");

      assert.deepEqual(await store.compact(), { removedRows: total - 150 });
      assert.equal(await count(store, "candles"), 150);
      assert.deepEqual(await query(store, latestSql), before);
      assert.deepEqual(await store.compact(), { removedRows: 0 });
    }
    await using store = await openStore(path);
    assert.equal(await count(store, "candles"), 150);
    assert.deepEqual(await query(store, latestSql), before);
  });
});

Deno.test("the revision watermark: candles_latest equals a full ranking through any mix of commits and compactions", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/cache.duckdb`;
    const random = mulberry32(11);
    // The truth: every row ranked, as candles_latest was before the watermark.
    const truthSql = `SELECT c.symbol, epoch_ms(c.open_time), c.epoch, c.seq, c.close FROM candles c
      LEFT JOIN epochs e ON e.source = c.source AND e.epoch = c.epoch
      QUALIFY row_number() OVER (PARTITION BY c.symbol, c.interval, c.open_time ORDER BY e.first_seen DESC NULLS LAST,
        c.epoch DESC, c.seq DESC, c.recv_time DESC) = 1
      ORDER BY 1, 2`;
    const latestSql = `SELECT symbol, epoch_ms(open_time), epoch, seq, close FROM candles_latest ORDER BY 1, 2`;
    // Below the watermark no bar may have two rows.
    const violationsSql = `SELECT count(*) FROM (SELECT symbol, interval, open_time FROM candles
      WHERE open_time < (SELECT revised_from FROM revision_watermark) GROUP BY ALL HAVING count(*) > 1)`;
    let newest = 0;
    let recvTimeMs = 1_000;
    for (let session = 0; session < 3; session++) {
      await using store = await openStore(path);
      for (let step = 0; step < 25; step++) {
        const roll = random();
        if (roll < 0.2) {
          await store.compact();
          assert.deepEqual(await query(store, `SELECT revised_from = 'infinity' FROM revision_watermark`), [[true]]);
        } else {
          // Mostly the forming bars at the front; sometimes a late revision or backfill far behind it, from a new
          // epoch (a publisher restart re-sending history) or the current one.
          const epoch = roll < 0.3 ? BigInt(2 + session * 2 + step) : BigInt(1 + session * 2);
          const rows: CandleRow[] = [];
          const size = 1 + Math.floor(random() * 12);
          for (let i = 0; i < size; i++) {
            const behind = random() < 0.2 ? Math.floor(random() * (newest + 1)) : Math.floor(random() * 3);
            const bar = Math.max(0, newest - behind);
            const seq = 1 + Math.floor(random() * 10_000);
            rows.push(candleRow({
              symbol: random() < 0.5 ? "A" : "B",
              openTimeMs: T0 + bar * MINUTE_MS,
              epoch,
              seq,
              close: seq,
              recvTimeMs: recvTimeMs++,
              partial: true,
            }));
          }
          if (random() < 0.5) newest++;
          await store.commit({ candles: rows });
        }
        assert.deepEqual(await query(store, violationsSql), [[0n]], `session ${session}, step ${step}`);
        assert.deepEqual(
          await query(store, latestSql),
          await query(store, truthSql),
          `session ${session}, step ${step}`,
        );
      }
    }
  });
});

Deno.test("openStore() reports a cache it cannot create without leaving a file behind", async (t) => {
  await withTempDir(async (dir) => {
    await t.step("a directory that is a file", async () => {
      await Deno.writeTextFile(`${dir}/plain`, "not a directory");
      const path = `${dir}/plain/cache.duckdb`;
      await assert.rejects(
        openStore(path),
        (error: unknown) =>
          error instanceof Error &&
          error.message.startsWith(`Cannot open cache ${path}: cannot create directory ${dir}/plain`),
      );
    });

    // Root writes through permission bits, so this variant can only run as another user.
    await t.step({
      name: "a directory without write permission",
      ignore: Deno.uid() === 0,
      fn: async () => {
        await Deno.mkdir(`${dir}/locked`, { mode: 0o555 });
        const path = `${dir}/locked/cache.duckdb`;
        await assert.rejects(
          openStore(path),
          (error: unknown) =>
            error instanceof Error &&
            error.message.startsWith(`Cannot open cache ${path}: directory ${dir}/locked is not writable`),
        );
        await assert.rejects(Deno.stat(path), Deno.errors.NotFound);
        await Deno.chmod(`${dir}/locked`, 0o755);
      },
    });

    await t.step("a file that is not a DuckDB database is left untouched", async () => {
      const path = `${dir}/notes.duckdb`;
      await Deno.writeTextFile(path, "my notes");
      await assert.rejects(openStore(path), /is not a DuckDB database/);
      assert.equal(await Deno.readTextFile(path), "my notes");
    });

    await t.step("a read-only open of a missing cache", async () => {
      await assert.rejects(openStore(`${dir}/missing.duckdb`, { readOnly: true }), /Cannot open cache/);
    });
  });
});

Deno.test("a read-only store reads what a writable one committed and refuses to write", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/cache.duckdb`;
    {
      await using store = await openStore(path);
      await store.commit({ candles: [candleRow()] });
    }
    await using store = await openStore(path, { readOnly: true });
    assert.equal((await store.recentCandles("AAPL", "1m", { limit: 1 })).length, 1);
    await assert.rejects(store.commit({ candles: [candleRow()] }), /opened read-only/);
    await assert.rejects(store.compact(), /opened read-only/);
  });
});

Deno.test("openStore() refuses a cache written by a newer schema version", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/cache.duckdb`;
    {
      await using store = await openStore(path);
      await query(store, `UPDATE meta SET value = '99' WHERE key = 'schema_version'`);
    }
    await assert.rejects(openStore(path), /^Error: Cannot open cache .*: its schema version is 99, newer than the 3/);
  });
});

Deno.test("store.close() is idempotent and later calls say the cache is closed", async () => {
  const store = await openStore(":memory:");
  await Promise.all([store.close(), store.close()]);
  await store.close();
  await assert.rejects(store.loadCursors(), /Cannot load cursors: cache :memory: is closed/);
});
