import assert from "node:assert/strict";
import { answerBackfill, type BackfillSource } from "../../core/publisher/answerBackfill.ts";
import { createCloseLog } from "../../core/publisher/createCloseLog.ts";
import { createStreamReplay } from "../../core/publisher/createStreamReplay.ts";
import { createTapeDeriver } from "../../core/publisher/createTapeDeriver.ts";
import { createTopicHistory } from "../../core/publisher/createTopicHistory.ts";
import { nextEpoch } from "../../core/publisher/nextEpoch.ts";
import { partialRevision } from "../../core/publisher/partialRevision.ts";
import { createRng } from "../../core/market/createRng.ts";
import { decodeFrame } from "../../core/wire/decode.ts";
import { encodeBackfillRequest } from "../../core/wire/encode.ts";
import type { Candle } from "../../core/wire/types.ts";
import { syntheticStream } from "./harness.ts";

Deno.test("partialRevision() converges on the final bar for any bar shape and wiggles", () => {
  const rng = createRng(3);
  for (let n = 0; n < 2000; n++) {
    const open = 50 + rng.nextFloat() * 100;
    const close = open * (1 + (rng.nextFloat() - 0.5) * 0.05);
    const final: Candle = {
      openTimeMs: 1_700_000_000_000,
      open,
      high: Math.max(open, close) * (1 + rng.nextFloat() * 0.01),
      low: Math.min(open, close) * (1 - rng.nextFloat() * 0.01),
      close,
      volume: Math.round(rng.nextFloat() * 1e6),
    };
    const steps = 1 + Math.floor(rng.nextFloat() * 8);
    const revisions = Array.from(
      { length: steps },
      (_, j) => partialRevision(final, (j + 1) / (steps + 1), rng.nextFloat() * 2 - 1),
    );
    let previous: Candle | null = null;
    for (const r of [...revisions, final]) {
      assert.ok(r.low <= r.open && r.open <= r.high && r.low <= r.close && r.close <= r.high, JSON.stringify(r));
      assert.ok(r.low >= final.low && r.high <= final.high && r.volume <= final.volume);
      if (previous !== null) {
        assert.ok(r.high >= previous.high && r.low <= previous.low && r.volume >= previous.volume);
      }
      previous = r;
    }
  }
});

Deno.test("createTopicHistory() keeps the last `limit` frames by seq", () => {
  const history = createTopicHistory(3);
  assert.equal(history.get(1), undefined);
  const frames = Array.from({ length: 5 }, (_, i) => new Uint8Array([i + 1]));
  frames.forEach((frame, i) => history.push(i + 1, frame));
  assert.deepEqual([history.firstSeq, history.lastSeq], [3, 5]);
  assert.equal(history.get(2), undefined);
  assert.deepEqual([3, 4, 5].map((seq) => history.get(seq)), frames.slice(2));
  assert.equal(history.get(6), undefined);
  assert.throws(() => history.push(7, new Uint8Array()), /the next seq is 6/);
});

Deno.test("createCloseLog() maps bars to the seq that closed them and forgets the oldest runs", () => {
  const log = createCloseLog(3);
  log.record(0, 9, 4); // a backlog batch
  log.record(10, 10, 7);
  log.record(11, 12, 9);
  assert.deepEqual([0, 9, 10, 11, 12].map((i) => log.closingSeq(i)), [4, 4, 7, 9, 9]);
  assert.equal(log.closingSeq(13), undefined);
  log.record(13, 13, 12);
  assert.equal(log.oldestBar, 10);
  assert.equal(log.closingSeq(9), undefined);
  assert.equal(log.closingSeq(13), 12);
  assert.throws(() => log.record(20, 21, 13), /the next bar to close is 14/);
});

Deno.test("answerBackfill() by time: bars whose close was forgotten are Unavailable, not silently missing", () => {
  const replay = createStreamReplay(syntheticStream("AAPL", 50), {
    anchorMs: Date.UTC(2025, 0, 2),
    anchorBar: 0,
    loop: false,
  });
  const closes = createCloseLog(2);
  closes.record(0, 19, 1);
  closes.record(20, 29, 2);
  closes.record(30, 39, 3);
  const source: BackfillSource = {
    source: "demo",
    epoch: 5n,
    batchSize: 100,
    maxFrames: 10,
    history: () => undefined,
    candles: (topic) => topic === "candle.AAPL.1m" ? { replay, closes } : undefined,
    topics: () => ["candle.AAPL.1m"],
    nowNs: () => 0n,
  };
  const ask = (fromMs: number, toMs = 0) => {
    const frame = encodeBackfillRequest(
      { source: "t", epoch: 0n, seq: 0, symbol: "", sourceTsNs: 0n },
      { requestId: 1n, topic: "candle.AAPL.1m", fromSeq: 0, toSeq: 0, fromMs, toMs },
    );
    return answerBackfill([frame], source);
  };
  const forgotten = ask(replay.openTimeAt(5));
  assert.equal(forgotten.status, "unavailable");
  const kept = ask(replay.openTimeAt(20));
  assert.equal(kept.status, "ok");
  const decoded = decodeFrame(kept.frames[1]);
  assert.ok(decoded.kind === "envelope" && decoded.envelope.payload.kind === "candles");
  assert.deepEqual(
    decoded.envelope.payload.candles.map((c) => c.openTimeMs),
    [...Array(20).keys()].map((i) => replay.openTimeAt(20 + i)),
  );
  assert.equal(decoded.envelope.seq, 3);
  // Unbounded: whatever is still held.
  assert.equal(ask(0).status, "ok");
});

Deno.test("createStreamReplay() finds bars by open time across laps", () => {
  const replay = createStreamReplay(syntheticStream("X", 25), {
    anchorMs: Date.UTC(2025, 0, 2, 9),
    anchorBar: 3,
    loop: true,
  });
  assert.equal(replay.openTimeAt(3), Date.UTC(2025, 0, 2, 9));
  for (const index of [0, 7, 24, 25, 26, 60, 99]) {
    const t = replay.openTimeAt(index);
    assert.equal(replay.firstIndexAtOrAfter(t, 0, 100), index);
    assert.equal(replay.firstIndexAtOrAfter(t + 1, 0, 100), index + 1);
  }
  assert.equal(replay.firstIndexAtOrAfter(Infinity, 0, 100), 100);
});

Deno.test("createTapeDeriver(): the trades of a bar add up to its volume, revisions included", () => {
  const tape = createTapeDeriver();
  const final: Candle = { openTimeMs: 60_000, open: 10, high: 12, low: 9, close: 11, volume: 900 };
  const sizes: number[] = [];
  for (const fraction of [0.25, 0.5, 0.75]) {
    const { ticks, trades } = tape.derive([partialRevision(final, fraction, 0)], { intervalMs: 60_000, fraction });
    assert.equal(ticks.length, 1);
    assert.ok(ticks[0].bid < ticks[0].ask);
    sizes.push(...trades.map((t) => t.size));
  }
  const closed = tape.derive([final, { ...final, openTimeMs: 120_000, volume: 50 }], {
    intervalMs: 60_000,
    fraction: 1,
  });
  sizes.push(closed.trades[0].size);
  assert.equal(sizes.reduce((a, b) => a + b, 0), 900);
  assert.equal(closed.trades[1].size, 50);
  assert.deepEqual(closed.trades.map((t) => t.tradeId), [4n, 5n]);
  assert.ok(closed.ticks.every((t) => t.tsNs < 180_000n * 1_000_000n));
});

Deno.test("nextEpoch() increases strictly, even within one millisecond or with a clock that steps back", () => {
  const a = nextEpoch(1_000), b = nextEpoch(1_000), c = nextEpoch(500);
  assert.ok(a < b && b < c);
  assert.ok(nextEpoch() > c);
});
