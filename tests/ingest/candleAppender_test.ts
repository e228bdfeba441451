/**
 * The raw candle appender (core/ingest/candleAppender.ts) writes DuckDB's column layouts itself, so every value
 * it writes is read back here through SQL: strings at and across the 12-byte inline limit, multi-byte UTF-8,
 * times before 1970 and sub-ms receive times, the largest UBIGINT epoch, chunks of more than 2,048 rows with
 * mixed streams, and rows the layout cannot carry.
 */
import assert from "node:assert/strict";
import { openStore } from "../../core/ingest/store.ts";
import type { CandleRow } from "../../core/ingest/storeBatch.ts";
import { inlineString } from "../../core/ingest/candleAppender.ts";
import { candleRow } from "./fixtures/storeRows.ts";
import { query, withTempDir } from "./fixtures/storeTestKit.ts";

const READ_BACK = `SELECT symbol, interval, epoch_us(open_time), open, high, low, close, volume, partial, source,
  CAST(epoch AS VARCHAR), seq, epoch_us(recv_time), origin FROM candles ORDER BY seq`;

function expected(row: CandleRow): unknown[] {
  return [
    row.symbol,
    row.interval,
    BigInt(row.openTimeMs) * 1000n,
    row.open,
    row.high,
    row.low,
    row.close,
    row.volume,
    row.partial,
    row.source,
    row.epoch.toString(),
    BigInt(row.seq),
    BigInt(Math.round(row.recvTimeMs * 1000)),
    row.origin,
  ];
}

Deno.test("the candle appender round-trips every column, strings inline or not", async () => {
  await withTempDir(async (dir) => {
    await using store = await openStore(`${dir}/cache.duckdb`);
    const rows: CandleRow[] = [
      candleRow({ seq: 1, symbol: "", source: "s" }),
      candleRow({ seq: 2, symbol: "ABCDEFGHIJKL", interval: "1m" }), // 12 bytes: the longest inline string
      candleRow({ seq: 3, symbol: "ABCDEFGHIJKLM", source: "a-source-longer-than-twelve" }), // 13 and 27 bytes
      candleRow({ seq: 4, symbol: "€€€€", interval: "ünï" }), // 12 bytes in 4 characters; 5 bytes
      candleRow({ seq: 5, symbol: "€€€€€", partial: true }), // 15 bytes of multi-byte UTF-8
      candleRow({ seq: 6, openTimeMs: -86_400_000, recvTimeMs: -1.5 }), // before 1970: negative µs
      candleRow({ seq: 7, epoch: 2n ** 64n - 1n, recvTimeMs: 1_700_000_000_123.4567, origin: "backfill" }),
      candleRow({ seq: 2 ** 53 - 1, open: -0.5, high: 1e300, low: -1e300, close: 5e-324, volume: 0 }),
    ];
    await store.commit({ candles: rows });
    assert.deepEqual(await query(store, READ_BACK), rows.map(expected));
  });
});

Deno.test("the candle appender writes chunks of more than 2,048 rows with streams interleaved", async () => {
  await withTempDir(async (dir) => {
    await using store = await openStore(`${dir}/cache.duckdb`);
    const symbols = ["AAPL", "MSFT", "A-VERY-LONG-SYMBOL-NAME", "GOOG"];
    const rows = Array.from({ length: 5_000 }, (_, i) =>
      candleRow({
        seq: i + 1,
        symbol: symbols[Math.floor(i / 7) % symbols.length],
        epoch: BigInt(1 + (i % 3)),
        openTimeMs: 1_700_000_000_000 + i * 60_000,
        close: i / 8,
        partial: i % 5 === 0,
        recvTimeMs: 1_700_000_000_000 + i / 3,
      }));
    await store.commit({ candles: rows.slice(0, 100) });
    await store.commit({ candles: rows.slice(100) });
    assert.deepEqual(await query(store, READ_BACK), rows.map(expected));
    // The column statistics DuckDB keeps for the appended data agree with the values (zone maps prune on them).
    const [[count]] = await query(store, `SELECT count(*) FROM candles WHERE symbol = 'A-VERY-LONG-SYMBOL-NAME'`);
    assert.equal(count, BigInt(rows.filter((r) => r.symbol === "A-VERY-LONG-SYMBOL-NAME").length));
  });
});

Deno.test("the candle appender refuses rows its layout cannot carry, and the batch commits nothing", async () => {
  await withTempDir(async (dir) => {
    await using store = await openStore(`${dir}/cache.duckdb`);
    const bad: Partial<CandleRow>[] = [
      { recvTimeMs: Number.NaN },
      { seq: 2 ** 53 },
      { seq: -1 },
      { openTimeMs: 1e16 },
    ];
    for (const override of bad) {
      await assert.rejects(
        store.commit({ candles: [candleRow({ seq: 1 }), candleRow({ seq: 2, ...override })] }),
        /out of range/,
      );
    }
    assert.deepEqual(await query(store, `SELECT count(*) FROM candles`), [[0n]]);
    await store.commit({ candles: [candleRow({ seq: 3 })] });
    assert.deepEqual(await query(store, `SELECT seq FROM candles`), [[3n]]);
  });
});

Deno.test("inlineString() lays a string out as duckdb_string_t, up to 12 bytes", () => {
  const words = inlineString("AB")!;
  const bytes = new Uint8Array(words.buffer);
  assert.deepEqual([...bytes], [2, 0, 0, 0, 65, 66, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  assert.notEqual(inlineString("x".repeat(12)), null);
  assert.equal(inlineString("x".repeat(13)), null);
});
