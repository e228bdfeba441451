/** `createPipeline()`'s batching: with `maxBatchRows`, a backlog comes out as bounded batches, each with its cursors. */
import assert from "node:assert/strict";
import { createDeduper } from "../../core/ingest/dedupe.ts";
import { createPipeline, type PipelineBatch } from "../../core/ingest/pipeline.ts";
import { emptyStats } from "../../core/ingest/protocol.ts";
import { createSequencer } from "../../core/ingest/sequencer.ts";
import { encodeCandleBatch } from "../../core/wire/encode.ts";

function candleFrame(symbol: string, seq: number, bars: number): Uint8Array {
  return encodeCandleBatch(
    { source: "demo", epoch: 7n, seq, symbol, sourceTsNs: 0n },
    {
      interval: "1m",
      lastIsPartial: false,
      candles: Array.from({ length: bars }, (_, i) => ({
        openTimeMs: 1_700_000_040_000 + ((seq - 1) * bars + i) * 60_000,
        open: 10,
        high: 11,
        low: 9,
        close: 10.5,
        volume: 100,
      })),
    },
  );
}

/** A fresh pipeline over every topic; `maxBatchRows` as given (none: no limit). */
function newPipeline(maxBatchRows?: number) {
  return createPipeline({
    sequencer: createSequencer(),
    deduper: createDeduper(),
    stats: emptyStats(),
    isWanted: () => true,
    maxBatchRows,
  });
}

Deno.test("a pipeline with maxBatchRows seals full batches at frame boundaries, each with its own cursors", () => {
  const pipeline = newPipeline(250);
  // Ten frames of 100 bars, two streams interleaved: batches close after the frame that reaches 250 rows.
  for (let seq = 1; seq <= 5; seq++) {
    for (const symbol of ["AAA", "BBB"]) {
      pipeline.process({
        topic: `candle.${symbol}.1m`,
        frame: candleFrame(symbol, seq, 100),
        recvTimeMs: 1,
        origin: "live",
        sequenced: true,
      });
    }
  }
  assert.equal(pipeline.pendingRows(), 1000);
  const batches: PipelineBatch[] = [];
  while (pipeline.pendingRows() > 0) batches.push(pipeline.take());
  assert.deepEqual(batches.map((b) => b.candles.length), [300, 300, 300, 100]);
  const cursorsOf = (b: PipelineBatch) => Object.fromEntries([...b.cursors.values()].map((c) => [c.topic, c.lastSeq]));
  // Each batch's cursors are the last seq of each topic among its own frames, nothing later.
  assert.deepEqual(batches.map(cursorsOf), [
    { "candle.AAA.1m": 2, "candle.BBB.1m": 1 },
    { "candle.AAA.1m": 3, "candle.BBB.1m": 3 },
    { "candle.AAA.1m": 5, "candle.BBB.1m": 4 },
    { "candle.BBB.1m": 5 },
  ]);
  for (const batch of batches) {
    for (const row of batch.candles.rows()) {
      const cursor = batch.cursors.get(`demo\u0000candle.${row.symbol}.1m`);
      assert.ok(cursor && row.seq <= cursor.lastSeq, `row seq ${row.seq} is covered by its batch's cursor`);
    }
  }
  // Without the option, one batch takes everything.
  const whole = newPipeline();
  for (let seq = 1; seq <= 5; seq++) {
    whole.process({
      topic: "candle.AAA.1m",
      frame: candleFrame("AAA", seq, 100),
      recvTimeMs: 1,
      origin: "live",
      sequenced: true,
    });
  }
  assert.equal(whole.take().candles.length, 500);
  assert.equal(whole.pendingRows(), 0);
});

Deno.test("a recycled batch's columns serve a later batch, and a batch still filling is never cleared", () => {
  const pipeline = newPipeline(100);
  const feed = (symbol: string, seq: number) =>
    pipeline.process({
      topic: `candle.${symbol}.1m`,
      frame: candleFrame(symbol, seq, 100),
      recvTimeMs: seq,
      origin: "live",
      sequenced: true,
    });
  feed("AAA", 1);
  feed("AAA", 2);
  const first = pipeline.take();
  const firstColumns = first.candles;
  pipeline.recycle(first);
  assert.equal(firstColumns.length, 0, "recycled columns are emptied");
  // BBB 1 fills the current batch, which is sealed; the next current batch reuses the recycled columns.
  feed("BBB", 1);
  feed("CCC", 1);
  // Handing the same batch back twice must not clear the batch now filling those columns.
  pipeline.recycle(first);
  const symbolsOf = (b: PipelineBatch) => [...new Set(b.candles.rows().map((r) => `${r.symbol}:${r.seq}`))];
  assert.deepEqual(symbolsOf(pipeline.take()), ["AAA:2"]);
  assert.deepEqual(symbolsOf(pipeline.take()), ["BBB:1"]);
  const reused = pipeline.take();
  assert.equal(reused.candles, firstColumns, "the recycled columns are reused");
  assert.deepEqual(symbolsOf(reused), ["CCC:1"]);
  assert.equal(reused.candles.rows()[99].openTimeMs, 1_700_000_040_000 + 99 * 60_000);
  assert.equal(pipeline.pendingRows(), 0);
});
