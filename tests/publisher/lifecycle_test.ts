import assert from "node:assert/strict";
import { startPublisher } from "../../core/publisher/startPublisher.ts";
import type { SendEvent } from "../../core/publisher/types.ts";
import { decodeFrame } from "../../core/wire/decode.ts";
import type { Candle, CandleBatchPayload } from "../../core/wire/types.ts";
import { BindError } from "../../core/zmq/zmqDeno.ts";
import { connected, envelopeOf, recordSubscriber, syntheticStream } from "./harness.ts";

const EPHEMERAL = "tcp://127.0.0.1:*";

Deno.test("startPublisher() brings a new, larger epoch on every start, even on the same port", async () => {
  const first = await startPublisher({ streams: [], pubEndpoint: EPHEMERAL, reqEndpoint: EPHEMERAL, heartbeatMs: 10 });
  const { pub: pubEndpoint, req: reqEndpoint } = first.endpoints;
  assert.match(pubEndpoint, /^tcp:\/\/127\.0\.0\.1:\d+$/);
  assert.notEqual(pubEndpoint, EPHEMERAL);
  const sub = recordSubscriber(pubEndpoint, ["hb"]);
  try {
    await connected(sub);
    await first.stop();
    const second = await startPublisher({ streams: [], pubEndpoint, reqEndpoint, heartbeatMs: 10 });
    try {
      assert.ok(second.epoch > first.epoch, `${second.epoch} > ${first.epoch}`);
      await sub.waitFor((ms) => ms.some((m) => envelopeOf(m).epoch === second.epoch), "a heartbeat of the new epoch");
      const beats = sub.messages.map(envelopeOf).filter((e) => e.epoch === second.epoch);
      assert.deepEqual(beats[0].payload, { kind: "heartbeat", cursors: [] });
      // Same process, same millisecond: still strictly increasing.
      const third = await startPublisher({ streams: [], pubEndpoint: EPHEMERAL, reqEndpoint: EPHEMERAL });
      await third.stop();
      assert.ok(third.epoch > second.epoch);
    } finally {
      await second.stop();
    }
  } finally {
    await sub.close();
    await first.stop();
  }
});

Deno.test("stop() releases both ports: twenty quick restarts on the same endpoints all bind", async () => {
  let pub = await startPublisher({ streams: [], pubEndpoint: EPHEMERAL, reqEndpoint: EPHEMERAL });
  const { pub: pubEndpoint, req: reqEndpoint } = pub.endpoints;
  let epoch = pub.epoch;
  for (let i = 0; i < 20; i++) {
    await pub.stop();
    pub = await startPublisher({ streams: [], pubEndpoint, reqEndpoint });
    assert.ok(pub.epoch > epoch);
    epoch = pub.epoch;
  }
  await pub.stop();
});

Deno.test("startPublisher() on a taken port fails with a BindError that says what to do", async (t) => {
  const running = await startPublisher({ streams: [], pubEndpoint: EPHEMERAL, reqEndpoint: EPHEMERAL });
  try {
    await t.step("PUB", async () => {
      const endpoint = running.endpoints.pub;
      await assert.rejects(
        startPublisher({ streams: [], pubEndpoint: endpoint, reqEndpoint: EPHEMERAL }),
        (error: unknown) => {
          assert.ok(error instanceof BindError);
          assert.equal(error.reason, "address_in_use");
          assert.equal(
            error.message,
            `cannot bind PUB ${endpoint}: address in use (is another publisher running? use --pub to choose another port)`,
          );
          return true;
        },
      );
    });
    await t.step("REP, after a PUB that bound fine (and is closed again)", async () => {
      const endpoint = running.endpoints.req;
      await assert.rejects(
        startPublisher({ streams: [], pubEndpoint: EPHEMERAL, reqEndpoint: endpoint }),
        new RegExp(`^BindError: cannot bind REP ${endpoint}: address in use .*use --req to choose another port\\)$`),
      );
    });
  } finally {
    await running.stop();
  }
});

Deno.test("startPublisher() refuses bad options with a RangeError naming the value", async (t) => {
  const cases: [string, Parameters<typeof startPublisher>[0], RegExp][] = [
    ["speed 0", { streams: [], speed: 0 }, /speed is 0, expected a number > 0 or "max"/],
    ["batch 0", { streams: [], batchSize: 0 }, /batchSize is 0, expected a whole number >= 1/],
    [
      "a stream twice",
      { streams: [syntheticStream("AAPL", 3), syntheticStream("AAPL", 4)] },
      /Cannot publish candle\.AAPL\.1m twice/,
    ],
    ["a lower-case symbol", { streams: [syntheticStream("aapl", 3)] }, /"aapl": a symbol must match/],
    ["no candles", { streams: [{ symbol: "X", interval: "1m", candles: [] }] }, /X 1m: it has no candles/],
    ["a bad interval", { streams: [{ ...syntheticStream("X", 2), interval: "1y" }] }, /Unknown interval "1y"/],
  ];
  for (const [name, options, message] of cases) {
    await t.step(name, async () => {
      await assert.rejects(startPublisher({ ...options, pubEndpoint: EPHEMERAL, reqEndpoint: EPHEMERAL }), message);
    });
  }
});

Deno.test("startPublisher() anchors bars at the start and keeps open times ascending across loops", async () => {
  const stream = syntheticStream("SPY", 6);
  const anchorMs = Date.UTC(2025, 0, 6, 15, 7, 42);
  const events: SendEvent[] = [];
  const pub = await startPublisher({
    streams: [stream],
    pubEndpoint: EPHEMERAL,
    reqEndpoint: EPHEMERAL,
    speed: "max",
    batchSize: 4,
    partials: 0,
    loop: true,
    backlogBars: 2,
    anchorMs,
    onSend: (e) => events.push(e),
  });
  const bars = (): Candle[] =>
    events.filter((e) => e.topic === "candle.SPY.1m").flatMap((e) =>
      (envelopeOf({ decoded: decodeFrame(e.frame) }).payload as CandleBatchPayload).candles
    );
  try {
    const deadline = performance.now() + 10_000;
    while (bars().length < 20 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  } finally {
    await pub.stop();
  }
  const published = bars();
  assert.ok(published.length >= 20);
  assert.ok(pub.stats.laps >= 3);
  // Bar 2 (the first after the backlog) opens at the start, rounded down to the minute; the data's gaps stay.
  assert.equal(published[2].openTimeMs, Date.UTC(2025, 0, 6, 15, 7));
  assert.equal(published[1].openTimeMs, published[2].openTimeMs - 60_000);
  published.forEach((bar, i) => {
    const { openTimeMs: _, ...values } = stream.candles[i % 6];
    const { openTimeMs, ...got } = bar;
    assert.deepEqual(got, values, `bar ${i} replays data bar ${i % 6}`);
    if (i > 0) assert.ok(openTimeMs > published[i - 1].openTimeMs, `bar ${i} opens after bar ${i - 1}`);
    // A lap is the data's span plus one interval: the wrap looks like one more bar.
    if (i % 6 === 0 && i > 0) assert.equal(openTimeMs - published[i - 1].openTimeMs, 60_000);
  });
});

Deno.test("stop() is idempotent and finished resolves on stop", async () => {
  const pub = await startPublisher({
    streams: [syntheticStream("AAPL", 5)],
    pubEndpoint: EPHEMERAL,
    reqEndpoint: EPHEMERAL,
    paused: true,
  });
  await Promise.all([pub.stop(), pub.stop()]);
  await pub.finished;
  assert.equal(pub.stats.closedBars, 0);
});
