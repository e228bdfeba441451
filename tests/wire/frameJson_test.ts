import assert from "node:assert/strict";
import { frameJson } from "../../core/wire/frameJson.ts";
import { decodeFrame, encodeEnvelope, type Envelope } from "../../core/wire/mod.ts";
import { SAMPLE_HEADER, sampleCandles, sampleEnvelope } from "./sampleEnvelope.ts";

/** Round-trips through JSON text, as a reader of tap's output sees it. */
function viewOf(envelope: Envelope, topic: string | null = null): Record<string, unknown> {
  const frame = encodeEnvelope(envelope);
  return JSON.parse(JSON.stringify(frameJson(decodeFrame(frame), { topic, bytes: frame.length })));
}

const HEADER_JSON = {
  source: "demo",
  epoch: "1700000000000",
  seq: 42,
  symbol: "AAPL",
  sourceTsNs: "1700000000123456789",
  schemaVersion: 1,
};

Deno.test("frameJson() prints every payload kind with topic and kind first and bigints as decimal strings", async (t) => {
  const cases: [string, Envelope, string | null, Record<string, unknown>][] = [
    ["candles with ISO open times", sampleEnvelope("candles"), "candle.AAPL.1m", {
      topic: "candle.AAPL.1m",
      kind: "candles",
      ...HEADER_JSON,
      interval: "1m",
      lastIsPartial: true,
    }],
    ["ticks", sampleEnvelope("ticks"), null, { topic: "tick.AAPL", kind: "ticks", ...HEADER_JSON }],
    ["trades", sampleEnvelope("trades"), null, { topic: "trade.AAPL", kind: "trades", ...HEADER_JSON }],
    ["heartbeat", sampleEnvelope("heartbeat"), "hb", {
      topic: "hb",
      kind: "heartbeat",
      ...HEADER_JSON,
      symbol: "",
      cursors: [{ topic: "candle.AAPL.1m", seq: 41 }, { topic: "tick.AAPL", seq: 1234 }],
    }],
    ["backfill request", sampleEnvelope("backfill_request"), null, {
      topic: "candle.AAPL.1m",
      kind: "backfill_request",
      ...HEADER_JSON,
      request: { requestId: "7", topic: "candle.AAPL.1m", fromSeq: 10, toSeq: 20, fromMs: 0, toMs: 0 },
    }],
    ["backfill reply", sampleEnvelope("backfill_reply"), null, {
      topic: "",
      kind: "backfill_reply",
      ...HEADER_JSON,
      reply: { requestId: "7", status: "ok", message: "11 frames follow", count: 11 },
    }],
  ];
  for (const [name, envelope, topic, expected] of cases) {
    await t.step(name, () => {
      const view = viewOf(envelope, topic);
      const keys = Object.keys(view);
      assert.deepEqual(keys.slice(0, 2), ["topic", "kind"]);
      assert.equal(keys.at(-1), "bytes");
      assert.equal(view.bytes, encodeEnvelope(envelope).length);
      for (const [key, value] of Object.entries(expected)) assert.deepEqual(view[key], value, key);
    });
  }
  await t.step("candle records", () => {
    const records = viewOf(sampleEnvelope("candles")).records as Record<string, unknown>[];
    const { openTimeMs, open, high, low, close, volume } = sampleCandles(3)[1];
    assert.equal(records.length, 3);
    assert.deepEqual(records[1], {
      openTimeMs,
      openTime: "2023-11-14T22:14:00.000Z",
      open,
      high,
      low,
      close,
      volume,
    });
  });
  await t.step("trade records keep 64-bit ids exact", () => {
    const envelope: Envelope = {
      ...SAMPLE_HEADER,
      epoch: 2n ** 64n - 1n,
      payload: {
        kind: "trades",
        trades: [{ tsNs: -(2n ** 63n), price: 1.5, size: 2, tradeId: 2n ** 64n - 1n, side: "sell" }],
      },
    };
    const view = viewOf(envelope);
    assert.equal(view.epoch, "18446744073709551615");
    assert.deepEqual(view.records, [
      { tsNs: "-9223372036854775808", price: 1.5, size: 2, tradeId: "18446744073709551615", side: "sell" },
    ]);
  });
  await t.step("an open time past what Date can show prints openTime null", () => {
    const view = viewOf({
      ...SAMPLE_HEADER,
      payload: {
        kind: "candles",
        interval: "1m",
        candles: [{ openTimeMs: Number.MAX_SAFE_INTEGER, open: 1, high: 1, low: 1, close: 1, volume: 0 }],
        lastIsPartial: false,
      },
    });
    assert.deepEqual((view.records as { openTime: unknown }[])[0].openTime, null);
  });
});

Deno.test("frameJson() prints a rejection with its reason, message, topic and size", () => {
  const garbage = new TextEncoder().encode("definitely not a flatbuffer");
  assert.deepEqual(frameJson(decodeFrame(garbage), { topic: "hb", bytes: garbage.length }), {
    kind: "rejected",
    reason: "bad_identifier",
    message: 'Cannot decode envelope: file identifier is "nite", expected "MKTD"',
    topic: "hb",
    bytes: garbage.length,
  });
});
