import assert from "node:assert/strict";
import { startPlayback } from "../../core/ingest/playback.ts";
import type { CandleUpdate, Progress } from "../../core/ingest/protocol.ts";
import { openStore } from "../../core/ingest/store.ts";
import type { CandleRow } from "../../core/ingest/storeBatch.ts";

const T0 = Date.UTC(2024, 2, 4, 14, 30);
const MINUTE = 60_000;

function row(i: number, overrides: Partial<CandleRow> = {}): CandleRow {
  const open = 100 + i;
  return {
    symbol: "AAA",
    interval: "1m",
    openTimeMs: T0 + i * MINUTE,
    open,
    high: open + 2,
    low: open - 1,
    close: open + 1,
    volume: 10 + i,
    partial: false,
    source: "demo",
    epoch: 1n,
    seq: i + 1,
    recvTimeMs: T0 + i * MINUTE,
    origin: "live",
    ...overrides,
  };
}

Deno.test("startPlayback() replays a cached range through the pipeline in order, and never writes the cache", async (t) => {
  await using store = await openStore(":memory:");
  // Bar 5 has a superseded partial revision: the replay must play the newest one only.
  await store.commit({
    candles: [...Array.from({ length: 20 }, (_, i) => row(i)), row(5, { seq: 0, close: 1, partial: true })],
  });
  const reader = await store.instance.connect();
  try {
    await t.step("the range, newest revisions, ascending, with progress to the end", async () => {
      const updates: CandleUpdate[] = [];
      const progress: Progress[] = [];
      const playback = await startPlayback(
        reader,
        { symbol: "AAA", interval: "1m", fromMs: T0 + 2 * MINUTE, toMs: T0 + 11 * MINUTE, speed: 60_000 },
        { onCandles: (u) => updates.push(...u), onProgress: (p) => progress.push(p) },
      );
      assert.equal(playback.bars, 10);
      await playback.done;
      assert.deepEqual(
        updates.map((u) => u.candle.openTimeMs),
        Array.from({ length: 10 }, (_, i) => T0 + (i + 2) * MINUTE),
      );
      assert.deepEqual(updates.map((u) => u.key), Array(10).fill("AAA|1m"));
      assert.equal(updates.find((u) => u.candle.openTimeMs === T0 + 5 * MINUTE)?.candle.close, 106);
      assert.deepEqual(progress.at(-1), { id: playback.id, label: "replay AAA 1m", done: 10, total: 10, unit: "bars" });
      const [[rows]] = (await reader.runAndReadAll(`SELECT count(*) FROM candles`)).getRows();
      assert.equal(rows, 21n, "the replay wrote nothing");
    });
    await t.step("stop() ends a slow playback early", async () => {
      const updates: CandleUpdate[] = [];
      const playback = await startPlayback(
        reader,
        { symbol: "AAA", interval: "1m", fromMs: T0, toMs: T0 + 19 * MINUTE, speed: 1 },
        { onCandles: (u) => updates.push(...u), onProgress: () => {} },
      );
      await new Promise((resolve) => setTimeout(resolve, 50));
      playback.stop();
      await playback.done;
      assert.ok(updates.length < 20, `stopped after ${updates.length} bars`);
    });
    await t.step("bad requests are RangeErrors that say what to fix", async () => {
      const hooks = { onCandles: () => {}, onProgress: () => {} };
      await assert.rejects(
        startPlayback(reader, { symbol: "AAA", interval: "1m", fromMs: 5, toMs: 1, speed: 1 }, hooks),
        /expected from <= to/,
      );
      await assert.rejects(
        startPlayback(reader, { symbol: "AAA", interval: "1m", fromMs: 0, toMs: 1, speed: 0 }, hooks),
        /speed must be a number > 0/,
      );
      await assert.rejects(
        startPlayback(reader, { symbol: "AAA", interval: "7x", fromMs: 0, toMs: 1, speed: 1 }, hooks),
        /Unknown interval/,
      );
    });
  } finally {
    reader.closeSync();
  }
});

Deno.test("store.commit() refuses replay rows", async () => {
  await using store = await openStore(":memory:");
  await assert.rejects(store.commit({ candles: [row(0, { origin: "replay" })] }), /Cannot commit replay rows/);
});
