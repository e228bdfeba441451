import assert from "node:assert/strict";
import { decodeFrame, encodeEnvelope, type Envelope, type Status } from "../../core/wire/mod.ts";
import { expectEnvelope } from "./expectEnvelope.ts";
import { PAYLOAD_TYPE, rawEnvelope, rawTradeBatch } from "./rawFrames.ts";
import { readGenerated } from "./readGenerated.ts";
import { PAYLOAD_KINDS, SAMPLE_HEADER, sampleCandles, sampleEnvelope } from "./sampleEnvelope.ts";

const U64_MAX = 2n ** 64n - 1n;
const I64_MAX = 2n ** 63n - 1n;
const I64_MIN = -(2n ** 63n);

const STATUSES: readonly Status[] = ["ok", "not_found", "bad_request", "too_large", "unavailable"];

/** Every payload kind, then the edges of every field. */
const CASES: [name: string, envelope: Envelope][] = [
  ...PAYLOAD_KINDS.map((kind): [string, Envelope] => [`sample ${kind}`, sampleEnvelope(kind)]),
  ["empty candle batch", {
    ...SAMPLE_HEADER,
    payload: { kind: "candles", interval: "1m", candles: [], lastIsPartial: false },
  }],
  ["candle batch, last bar closed", {
    ...SAMPLE_HEADER,
    payload: { kind: "candles", interval: "5m", candles: sampleCandles(4), lastIsPartial: false },
  }],
  ["candle batch, last bar partial", {
    ...SAMPLE_HEADER,
    payload: { kind: "candles", interval: "1h", candles: sampleCandles(1), lastIsPartial: true },
  }],
  ["candles at the edges of the safe range, flat bars, zero volume", {
    ...SAMPLE_HEADER,
    payload: {
      kind: "candles",
      interval: "1d",
      candles: [
        { openTimeMs: -8_640_000_000_000, open: 0, high: 0, low: 0, close: 0, volume: 0 },
        { openTimeMs: 0, open: -5, high: -1, low: -7.5, close: -7.5, volume: Number.MAX_VALUE },
        { openTimeMs: Number.MAX_SAFE_INTEGER, open: 1e-300, high: 1e300, low: -1e300, close: 1e300, volume: 5e-324 },
      ],
      lastIsPartial: true,
    },
  }],
  ["empty tick batch", { ...SAMPLE_HEADER, payload: { kind: "ticks", ticks: [] } }],
  ["ticks at the int64 edges, crossed quote", {
    ...SAMPLE_HEADER,
    payload: {
      kind: "ticks",
      ticks: [
        { tsNs: I64_MIN, bid: 10, ask: 9.99, bidSize: 0, askSize: 0 },
        { tsNs: -1n, bid: -0.5, ask: 0, bidSize: 1e12, askSize: 3 },
        { tsNs: I64_MAX, bid: 1, ask: 1, bidSize: 1, askSize: 1 },
      ],
    },
  }],
  ["empty trade batch", { ...SAMPLE_HEADER, payload: { kind: "trades", trades: [] } }],
  ["trades with extreme ids and timestamps", {
    ...SAMPLE_HEADER,
    payload: {
      kind: "trades",
      trades: [
        { tsNs: I64_MIN, price: 1, size: 0, tradeId: 0n, side: "unknown" },
        { tsNs: -123_456_789n, price: -2.5, size: 1, tradeId: U64_MAX, side: "buy" },
        { tsNs: I64_MAX, price: 1e9, size: 1e-9, tradeId: 2n ** 63n, side: "sell" },
      ],
    },
  }],
  ["heartbeat without cursors", { ...SAMPLE_HEADER, payload: { kind: "heartbeat", cursors: [] } }],
  ["heartbeat cursors at the seq edges", {
    ...SAMPLE_HEADER,
    payload: {
      kind: "heartbeat",
      cursors: [
        { topic: "candle.AAPL.1m", seq: 0 },
        { topic: "tick.ÄPFEL", seq: 1 },
        { topic: "trade.東京", seq: Number.MAX_SAFE_INTEGER },
      ],
    },
  }],
  ["backfill request at the edges", {
    ...SAMPLE_HEADER,
    payload: {
      kind: "backfill_request",
      requestId: U64_MAX,
      topic: "candle.BRK.A.1m",
      fromSeq: Number.MAX_SAFE_INTEGER,
      toSeq: 0,
      fromMs: -86_400_000,
      toMs: Number.MAX_SAFE_INTEGER,
    },
  }],
  ["backfill request times at both ends of the safe-integer range", {
    ...SAMPLE_HEADER,
    payload: {
      kind: "backfill_request",
      requestId: 1n,
      topic: "candle.AAPL.1m",
      fromSeq: 0,
      toSeq: 0,
      fromMs: Number.MIN_SAFE_INTEGER,
      toMs: Number.MAX_SAFE_INTEGER,
    },
  }],
  ["backfill request over a time range", {
    ...SAMPLE_HEADER,
    payload: {
      kind: "backfill_request",
      requestId: 0n,
      topic: "candle.AAPL.1m",
      fromSeq: 0,
      toSeq: 0,
      fromMs: 1_700_000_000_000,
      toMs: 1_700_000_600_000,
    },
  }],
  ...STATUSES.map((status, i): [string, Envelope] => [`backfill reply ${status}`, {
    ...SAMPLE_HEADER,
    payload: {
      kind: "backfill_reply",
      requestId: BigInt(i) * 1_000_000_007n,
      status,
      message: status === "ok" ? "" : `request ${i} ${status} — réessayez plus tard ⏳`,
      count: i === 0 ? 4_294_967_295 : 0,
    },
  }]),
  ["header at the edges: epoch 2^64-1, seq 2^53-1, negative source time", {
    ...sampleEnvelope("ticks"),
    epoch: U64_MAX,
    seq: Number.MAX_SAFE_INTEGER,
    sourceTsNs: I64_MIN,
  }],
  ["header at zero: epoch 0, seq 0, source time -1 ns, empty strings", {
    ...sampleEnvelope("trades"),
    source: "",
    symbol: "",
    epoch: 0n,
    seq: 0,
    sourceTsNs: -1n,
  }],
  ["unicode source and symbol", {
    ...sampleEnvelope("candles"),
    source: "Börse-東京 📈 \u0000nul",
    symbol: "ÄPFEL.🍎",
  }],
  ["strings that start with a byte order mark keep it", {
    ...sampleEnvelope("backfill_reply"),
    source: "\uFEFFfeed",
    symbol: "\uFEFF",
  }],
];

Deno.test("encodeEnvelope() → decodeFrame() returns every payload kind unchanged", async (t) => {
  for (const [name, envelope] of CASES) {
    await t.step(name, () => {
      const frame = encodeEnvelope(envelope);
      assert.deepEqual(decodeFrame(frame), { kind: "envelope", envelope });
    });
  }
});

Deno.test("the flatc-generated accessors read the same values as decodeFrame() from encoded frames", async (t) => {
  for (const [name, envelope] of CASES) {
    await t.step(name, () => {
      const frame = encodeEnvelope(envelope);
      assert.deepEqual(readGenerated(frame), expectEnvelope(decodeFrame(frame)));
    });
  }
});

Deno.test("decodeFrame() reads a frame that sits at an odd offset inside a larger buffer", () => {
  // ZeroMQ may hand over a view into a pooled buffer; nothing may assume byteOffset 0 or alignment.
  const envelope = sampleEnvelope("candles", { symbol: "MSFT", source: "pool" });
  const frame = encodeEnvelope(envelope);
  const pool = new Uint8Array(frame.length + 20).fill(0xee);
  pool.set(frame, 13);
  assert.deepEqual(decodeFrame(pool.subarray(13, 13 + frame.length)), { kind: "envelope", envelope });
});

Deno.test("decodeFrame() maps trade sides it does not know to 'unknown'", () => {
  // A newer schema may add Side values (e.g. 3 = ShortSell); they are read, not rejected.
  const sideCodes = [0, 1, 2, 3, 127, -1, -128];
  const frame = rawEnvelope({
    payloadType: PAYLOAD_TYPE.tradeBatch,
    payload: rawTradeBatch(
      sideCodes.map((sideCode, i) => ({ tsNs: BigInt(i), price: 100 + i, size: 1, tradeId: BigInt(i), sideCode })),
    ),
  });
  const envelope = expectEnvelope(decodeFrame(frame));
  assert.equal(envelope.payload.kind, "trades");
  assert.deepEqual(
    envelope.payload.trades.map((trade) => trade.side),
    ["unknown", "buy", "sell", "unknown", "unknown", "unknown", "unknown"],
  );
  assert.deepEqual(readGenerated(frame), envelope);
});
