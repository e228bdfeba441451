import assert from "node:assert/strict";
import { startPublisher } from "../../core/publisher/startPublisher.ts";
import type { Publisher } from "../../core/publisher/types.ts";
import { decodeFrame } from "../../core/wire/decode.ts";
import { encodeHeartbeat } from "../../core/wire/encode.ts";
import type { Candle, CandleBatchPayload, Envelope } from "../../core/wire/types.ts";
import {
  connected,
  envelopeOf,
  openRequester,
  type Received,
  type Recorder,
  recordSubscriber,
  type Requester,
  syntheticStream,
} from "./harness.ts";

const EPHEMERAL = "tcp://127.0.0.1:*";
const AAPL = "candle.AAPL.1m";

interface Fixture {
  pub: Publisher;
  sub: Recorder;
  req: Requester;
  live(topic: string): Received[];
}

/** A finished replay of AAPL (300 bars) and MSFT (500 bars), every message recorded by a SUB. */
async function withReplay(run: (f: Fixture) => Promise<void>): Promise<void> {
  const pub = await startPublisher({
    streams: [syntheticStream("AAPL", 300), syntheticStream("MSFT", 500)],
    pubEndpoint: EPHEMERAL,
    reqEndpoint: EPHEMERAL,
    speed: "max",
    batchSize: 10,
    partials: 2,
    ticks: true,
    heartbeatMs: 20,
    historyLimit: 50,
    maxBackfill: 40,
    paused: true,
    noDrop: true,
  });
  const sub = recordSubscriber(pub.endpoints.pub);
  const req = openRequester(pub.endpoints.req);
  try {
    await connected(sub);
    pub.resume();
    await pub.finished;
    await sub.waitFor((ms) => ms.filter((m) => m.topic !== "hb").length === pub.stats.messages, "every message");
    await run({ pub, sub, req, live: (topic) => sub.messages.filter((m) => m.topic === topic) });
  } finally {
    req.close();
    await sub.close();
    await pub.stop();
  }
}

Deno.test("backfill by seq returns the live frames byte for byte", async (t) => {
  await withReplay(async ({ req, live }) => {
    const aapl = live(AAPL);
    const lastSeq = envelopeOf(aapl.at(-1)!).seq;

    await t.step("a closed range", async () => {
      const from = lastSeq - 30, to = lastSeq - 23;
      const { reply, frames } = await req.backfill({ topic: AAPL, fromSeq: from, toSeq: to });
      assert.equal(reply.status, "ok", reply.message);
      assert.equal(reply.count, 8);
      assert.deepEqual(frames, aapl.slice(from - 1, to).map((m) => m.frame));
    });

    await t.step("to_seq 0 means up to the latest", async () => {
      const { reply, frames } = await req.backfill({ topic: AAPL, fromSeq: lastSeq - 3 });
      assert.equal(reply.status, "ok", reply.message);
      assert.deepEqual(frames, aapl.slice(-4).map((m) => m.frame));
    });

    await t.step("ticks are served by seq too", async () => {
      const ticks = live("tick.AAPL");
      const { reply, frames } = await req.backfill({ topic: "tick.AAPL", fromSeq: ticks.length, toSeq: ticks.length });
      assert.equal(reply.status, "ok", reply.message);
      assert.deepEqual(frames, [ticks.at(-1)!.frame]);
    });

    await t.step("older than the history of 50 is Unavailable", async () => {
      const { reply, frames } = await req.backfill({ topic: AAPL, fromSeq: 1, toSeq: 10 });
      assert.equal(reply.status, "unavailable");
      assert.match(reply.message, /no longer held/);
      assert.equal(reply.count, 0);
      assert.equal(frames.length, 0);
    });

    await t.step("past the latest seq, or another epoch, is NotFound", async () => {
      assert.equal((await req.backfill({ topic: AAPL, fromSeq: lastSeq + 1 })).reply.status, "not_found");
      assert.equal(
        (await req.backfill({ topic: AAPL, fromSeq: lastSeq, toSeq: lastSeq + 5 })).reply.status,
        "not_found",
      );
      const otherEpoch = await req.backfill({ topic: AAPL, fromSeq: lastSeq, epoch: 12345n });
      assert.equal(otherEpoch.reply.status, "not_found");
      assert.match(otherEpoch.reply.message, /epoch 12345/);
      // By time, the epoch does not matter: that is how a client fetches what it missed across a restart.
      assert.equal((await req.backfill({ topic: AAPL, toMs: 1, epoch: 12345n })).reply.status, "ok");
    });

    await t.step("more than maxBackfill frames is TooLarge", async () => {
      const { reply, frames } = await req.backfill({ topic: AAPL, fromSeq: lastSeq - 40 });
      assert.equal(reply.status, "too_large");
      assert.match(reply.message, /41 frames; the limit is 40/);
      assert.equal(frames.length, 0);
    });
  });
});

Deno.test("backfill by time returns the closed bars whose open time lies in the range", async (t) => {
  await withReplay(async ({ req, live }) => {
    const aapl = live(AAPL).map(envelopeOf);
    const closed = closedWithSeq(aapl);
    assert.equal(closed.length, 300);

    await t.step("a bounded range, in closed batches of batchSize, each with its closing seq", async () => {
      const fromMs = closed[100].candle.openTimeMs, toMs = closed[149].candle.openTimeMs;
      const { reply, frames } = await req.backfill({ topic: AAPL, fromMs, toMs });
      assert.equal(reply.status, "ok", reply.message);
      assert.equal(reply.count, 5);
      const envelopes = frames.map((f) => envelopeOf({ decoded: decodeFrame(f) }));
      const bars = envelopes.flatMap((e) => (e.payload as CandleBatchPayload).candles);
      assert.deepEqual(bars, closed.slice(100, 150).map((c) => c.candle));
      envelopes.forEach((e, i) => {
        const payload = e.payload as CandleBatchPayload;
        assert.equal(payload.lastIsPartial, false);
        assert.equal(payload.candles.length, 10);
        assert.equal(e.symbol, "AAPL");
        assert.equal(payload.interval, "1m");
        // The seq of the live message that closed the batch's newest bar.
        assert.equal(e.seq, closed[100 + i * 10 + 9].seq);
      });
    });

    await t.step("a range between bars (ms inside a session gap) is exact too", async () => {
      const fromMs = closed[9].candle.openTimeMs + 1, toMs = closed[10].candle.openTimeMs - 1;
      const { reply, frames } = await req.backfill({ topic: AAPL, fromMs, toMs });
      assert.equal(reply.status, "ok");
      assert.equal(frames.length, 0);
    });

    await t.step("0 leaves an end unbounded", async () => {
      const all = await req.backfill({ topic: AAPL });
      assert.equal(all.reply.status, "ok", all.reply.message);
      assert.deepEqual(barsOf(all.frames), closed.map((c) => c.candle));
      const tail = await req.backfill({ topic: AAPL, fromMs: closed[295].candle.openTimeMs });
      assert.deepEqual(barsOf(tail.frames), closed.slice(295).map((c) => c.candle));
      const head = await req.backfill({ topic: AAPL, toMs: closed[4].candle.openTimeMs });
      assert.deepEqual(barsOf(head.frames), closed.slice(0, 5).map((c) => c.candle));
    });

    await t.step("more than maxBackfill frames is TooLarge", async () => {
      // MSFT: 500 bars are 50 frames of 10.
      const { reply, frames } = await req.backfill({ topic: "candle.MSFT.1m" });
      assert.equal(reply.status, "too_large");
      assert.match(reply.message, /50 frames of 10; the limit is 40/);
      assert.equal(frames.length, 0);
    });
  });
});

Deno.test("malformed requests get BadRequest and the REP socket keeps serving", async (t) => {
  await withReplay(async ({ req, live }) => {
    const last = live(AAPL).at(-1)!;
    const good = async (): Promise<void> => {
      const { reply, frames } = await req.backfill({ topic: AAPL, fromSeq: envelopeOf(last).seq });
      assert.equal(reply.status, "ok", reply.message);
      assert.deepEqual(frames, [last.frame]);
    };
    const badRequests: [string, () => Promise<{ status: string; message: string }>][] = [
      ["random bytes", async () => replyOf(await req.raw([crypto.getRandomValues(new Uint8Array(64))]))],
      ["an empty frame", async () => replyOf(await req.raw([new Uint8Array(0)]))],
      ["two frames", async () => replyOf(await req.raw([new Uint8Array(8), new Uint8Array(8)]))],
      [
        "a heartbeat instead of a request",
        async () =>
          replyOf(
            await req.raw([encodeHeartbeat({ source: "x", epoch: 1n, seq: 1, symbol: "", sourceTsNs: 0n }, [])]),
          ),
      ],
      ["an unknown topic", async () => (await req.backfill({ topic: "candle.NOPE.1m", fromSeq: 1 })).reply],
      ["from_seq after to_seq", async () => (await req.backfill({ topic: AAPL, fromSeq: 9, toSeq: 3 })).reply],
      ["from_ms after to_ms", async () => (await req.backfill({ topic: AAPL, fromMs: 9, toMs: 3 })).reply],
      ["a tick topic by time", async () => (await req.backfill({ topic: "tick.AAPL" })).reply],
    ];
    for (const [name, send] of badRequests) {
      await t.step(name, async () => {
        const reply = await send();
        assert.equal(reply.status, "bad_request", reply.message);
        assert.ok(reply.message.length > 0);
        await good();
      });
    }
  });
});

function replyOf(frames: Uint8Array[]): { status: string; message: string } {
  assert.equal(frames.length, 1);
  const envelope = envelopeOf({ decoded: decodeFrame(frames[0]) });
  assert.equal(envelope.payload.kind, "backfill_reply");
  return envelope.payload as { status: string; message: string };
}

function closedWithSeq(envelopes: Envelope[]): { candle: Candle; seq: number }[] {
  const out: { candle: Candle; seq: number }[] = [];
  for (const e of envelopes) {
    const p = e.payload as CandleBatchPayload;
    for (const candle of p.lastIsPartial ? p.candles.slice(0, -1) : p.candles) out.push({ candle, seq: e.seq });
  }
  return out;
}

function barsOf(frames: Uint8Array[]): Candle[] {
  return frames.flatMap((f) => (envelopeOf({ decoded: decodeFrame(f) }).payload as CandleBatchPayload).candles);
}
