import assert from "node:assert/strict";
import { startPublisher } from "../../core/publisher/startPublisher.ts";
import type { SendEvent } from "../../core/publisher/types.ts";
import { type Candle, type CandleBatchPayload, type Envelope, topicOf } from "../../core/wire/types.ts";
import { connected, envelopeOf, recordSubscriber, syntheticStream } from "./harness.ts";

const EPHEMERAL = "tcp://127.0.0.1:*";

Deno.test("startPublisher() streams valid envelopes with contiguous seqs and truthful heartbeats", async () => {
  const streams = [syntheticStream("AAPL", 250), syntheticStream("MSFT", 120), syntheticStream("EURUSD", 60, "1d")];
  const pub = await startPublisher({
    streams,
    pubEndpoint: EPHEMERAL,
    reqEndpoint: EPHEMERAL,
    speed: "max",
    batchSize: 7,
    partials: 2,
    ticks: true,
    trades: true,
    heartbeatMs: 20,
    paused: true,
    noDrop: true,
  });
  const sub = recordSubscriber(pub.endpoints.pub);
  try {
    await connected(sub);
    pub.resume();
    await pub.finished;
    // A heartbeat sent after the last data message carries the final cursors.
    const lastDataIndex = () => sub.messages.findLastIndex((m) => m.topic !== "hb");
    await sub.waitFor(
      (ms) =>
        pub.stats.finished && ms.length > 0 &&
        ms.slice(lastDataIndex() + 1).some((m) => m.topic === "hb") &&
        ms.filter((m) => m.topic !== "hb").length === pub.stats.messages,
      "a heartbeat after the last data message",
    );

    const lastSeq = new Map<string, number>();
    let heartbeatsChecked = 0;
    for (const message of sub.messages) {
      const envelope = envelopeOf(message);
      assert.equal(envelope.epoch, pub.epoch);
      assert.equal(envelope.source, "demo");
      const expected = (lastSeq.get(message.topic) ?? 0) + 1;
      if (message.topic !== "hb" || lastSeq.has("hb")) assert.equal(envelope.seq, expected, `seq of ${message.topic}`);
      lastSeq.set(message.topic, envelope.seq);
      if (envelope.payload.kind === "heartbeat") {
        // Every cursor is exactly where this subscriber stands: nothing sent was missed, nothing promised early.
        const cursors = new Map(envelope.payload.cursors.map((c) => [c.topic, c.seq]));
        for (const [topic, seq] of lastSeq) {
          if (topic !== "hb") assert.equal(cursors.get(topic), seq, `heartbeat cursor of ${topic}`);
        }
        assert.equal(cursors.size, [...lastSeq.keys()].filter((t) => t !== "hb").length);
        heartbeatsChecked++;
      } else {
        assert.equal(topicOf(envelope), message.topic);
      }
    }
    assert.ok(heartbeatsChecked >= 2);
    assert.deepEqual(
      [...lastSeq.keys()].sort(),
      [
        "candle.AAPL.1m",
        "candle.EURUSD.1d",
        "candle.MSFT.1m",
        "hb",
        "tick.AAPL",
        "tick.EURUSD",
        "tick.MSFT",
        "trade.AAPL",
        "trade.EURUSD",
        "trade.MSFT",
      ],
    );

    // Every bar of the data arrived closed exactly once, values unchanged, open times ascending.
    for (const stream of streams) {
      const topic = `candle.${stream.symbol}.${stream.interval}`;
      const closed = closedBars(sub.messages.filter((m) => m.topic === topic).map(envelopeOf));
      assert.equal(closed.length, stream.candles.length);
      closed.forEach((bar, i) => {
        const { openTimeMs: _, ...values } = stream.candles[i];
        const { openTimeMs, ...got } = bar;
        assert.deepEqual(got, values);
        if (i > 0) assert.ok(openTimeMs > closed[i - 1].openTimeMs);
      });
    }
    const stats = pub.stats;
    assert.equal(stats.closedBars, 250 + 120 + 60);
    assert.equal(stats.dropped + stats.duplicated + stats.reordered + stats.garbage, 0);
  } finally {
    await sub.close();
    await pub.stop();
  }
});

Deno.test("startPublisher() revises a forming bar towards its close: high/low only widen, volume grows", async (t) => {
  for (const mode of ["max", 6_000] as const) {
    await t.step(`speed ${mode}`, async () => {
      const stream = syntheticStream("NVDA", 40);
      const pub = await startPublisher({
        streams: [stream],
        pubEndpoint: EPHEMERAL,
        reqEndpoint: EPHEMERAL,
        speed: mode,
        batchSize: 1,
        partials: 3,
        heartbeatMs: 20,
        paused: true,
        noDrop: true,
      });
      const sub = recordSubscriber(pub.endpoints.pub, ["candle.", "hb"]);
      try {
        await connected(sub);
        pub.resume();
        await pub.finished;
        const candleMessages = () => sub.messages.filter((m) => m.topic !== "hb");
        await sub.waitFor(() => candleMessages().length === pub.stats.messages, "every candle message");
        const byOpenTime = new Map<number, { partials: Candle[]; closed: Candle | null }>();
        for (const envelope of candleMessages().map(envelopeOf)) {
          const payload = envelope.payload as CandleBatchPayload;
          payload.candles.forEach((candle, i) => {
            const partial = payload.lastIsPartial && i === payload.candles.length - 1;
            const entry = byOpenTime.get(candle.openTimeMs) ?? { partials: [], closed: null };
            byOpenTime.set(candle.openTimeMs, entry);
            assert.equal(entry.closed, null, "a bar changed after it closed");
            if (partial) entry.partials.push(candle);
            else entry.closed = candle;
          });
        }
        assert.equal(byOpenTime.size, stream.candles.length);
        let revised = 0;
        for (const { partials, closed } of byOpenTime.values()) {
          assert.ok(closed !== null);
          const revisions = [...partials, closed];
          for (let i = 1; i < revisions.length; i++) {
            const [before, after] = [revisions[i - 1], revisions[i]];
            assert.equal(after.open, before.open);
            assert.ok(after.high >= before.high, "high fell");
            assert.ok(after.low <= before.low, "low rose");
            assert.ok(after.volume >= before.volume, "volume shrank");
          }
          revised += partials.length > 0 ? 1 : 0;
        }
        // In max mode every bar gets all its revisions; paced, a slow timer may skip some, never all.
        if (mode === "max") assert.equal(pub.stats.partials, 3 * stream.candles.length);
        assert.ok(revised > 0);
      } finally {
        await sub.close();
        await pub.stop();
      }
    });
  }
});

Deno.test("startPublisher() onSend reports every frame in wire order, and the SUB sees exactly those", async () => {
  const events: SendEvent[] = [];
  const pub = await startPublisher({
    streams: [syntheticStream("TSLA", 30)],
    pubEndpoint: EPHEMERAL,
    reqEndpoint: EPHEMERAL,
    speed: "max",
    batchSize: 4,
    partials: 1,
    heartbeatMs: 20,
    paused: true,
    noDrop: true,
    onSend: (event) => events.push(event),
  });
  const sub = recordSubscriber(pub.endpoints.pub);
  try {
    await connected(sub);
    pub.resume();
    await pub.finished;
    await sub.waitFor((ms) => ms.filter((m) => m.topic !== "hb").length === pub.stats.messages, "all data");
    const data = <T extends { topic: string }>(list: T[]): T[] => list.filter((m) => m.topic !== "hb");
    const sentData = data(events.filter((e) => e.fate === "sent"));
    assert.deepEqual(
      data(sub.messages).map((m) => m.frame),
      sentData.map((e) => e.frame),
    );
    assert.equal(sentData.length, pub.stats.messages);
  } finally {
    await sub.close();
    await pub.stop();
  }
});

function closedBars(envelopes: Envelope[]): Candle[] {
  const closed: Candle[] = [];
  for (const envelope of envelopes) {
    const p = envelope.payload as CandleBatchPayload;
    closed.push(...(p.lastIsPartial ? p.candles.slice(0, -1) : p.candles));
  }
  return closed;
}
