/**
 * Wire codec throughput on 100-candle batches: decodeFrame() (bounds checks + validation + copy-out) next to
 * JSON.parse of the same data as JSON text, the flatc-generated accessors (no checks) and encoding.
 */
import * as flatbuffers from "flatbuffers";
import { decodeFrame } from "../core/wire/decode.ts";
import { encodeCandleBatch, type EnvelopeHeader } from "../core/wire/encode.ts";
import type { Candle } from "../core/wire/types.ts";
import { Candle as FbCandle, CandleBatch, Envelope as FbEnvelope } from "../schema/market_data_generated.ts";
import type { Figure } from "./figure.ts";

const CANDLES_PER_BATCH = 100;
/** Wall time per measured figure, after a warm-up of a quarter of it. */
const MEASURE_MS = 1_200;

const HEADER: EnvelopeHeader = {
  source: "bench",
  epoch: 1_700_000_000_000n,
  seq: 1,
  symbol: "AAPL",
  sourceTsNs: 1_700_000_000_000_000_000n,
};

export async function run(): Promise<Figure[]> {
  const candles = makeCandles(CANDLES_PER_BATCH);
  const frame = encodeCandleBatch(HEADER, { interval: "1m", candles, lastIsPartial: true });
  // The same message as a JSON feed would send it; bigints as strings, as JSON cannot carry them.
  const json = JSON.stringify({
    source: HEADER.source,
    epoch: HEADER.epoch.toString(),
    seq: HEADER.seq,
    symbol: HEADER.symbol,
    sourceTsNs: HEADER.sourceTsNs.toString(),
    interval: "1m",
    lastIsPartial: true,
    candles,
  });

  let sink = 0;
  const decodeRate = await batchesPerSecond(() => {
    const result = decodeFrame(frame);
    if (result.kind !== "envelope" || result.envelope.payload.kind !== "candles") {
      throw new Error(`bench frame was rejected: ${result.kind === "rejected" ? result.message : "not candles"}`);
    }
    sink += result.envelope.payload.candles[99].close;
  });
  const jsonRate = await batchesPerSecond(() => {
    sink += JSON.parse(json).candles[99].close;
  });
  const generatedRate = await batchesPerSecond(() => {
    sink += readWithGenerated(frame)[99].close;
  });
  const encodeRate = await batchesPerSecond(() => {
    sink += encodeCandleBatch(HEADER, { interval: "1m", candles, lastIsPartial: true }).length;
  });
  if (sink === 0) throw new Error("benchmark results were never used");

  const perSecond = (batches: number): number => Math.round(batches * CANDLES_PER_BATCH);
  return [
    {
      group: "wire",
      name: "decodeFrame + validate, 100-candle batch",
      value: perSecond(decodeRate),
      unit: "candles/s",
      goal: ">= 10 M/s and >= 3x JSON.parse",
    },
    {
      group: "wire",
      name: "JSON.parse of the same batch as JSON",
      value: perSecond(jsonRate),
      unit: "candles/s",
      note: "parse only, no validation",
    },
    {
      group: "wire",
      name: "decodeFrame / JSON.parse",
      value: Math.round((decodeRate / jsonRate) * 100) / 100,
      unit: "x",
      goal: ">= 3x",
    },
    {
      group: "wire",
      name: "flatc-generated accessors, copy-out",
      value: perSecond(generatedRate),
      unit: "candles/s",
      note: "no bounds checks, no validation",
    },
    {
      group: "wire",
      name: "encodeCandleBatch, 100-candle batch",
      value: perSecond(encodeRate),
      unit: "candles/s",
    },
    { group: "wire", name: "frame size, 100-candle batch", value: frame.length, unit: "bytes" },
    { group: "wire", name: "JSON size, 100-candle batch", value: new TextEncoder().encode(json).length, unit: "bytes" },
  ];
}

/** Calls `step` in rounds until MEASURE_MS have passed (after a warm-up) and returns calls per second. */
async function batchesPerSecond(step: () => void): Promise<number> {
  for (const budgetMs of [MEASURE_MS / 4, MEASURE_MS]) {
    const start = performance.now();
    let calls = 0;
    let elapsed = 0;
    while (elapsed < budgetMs) {
      for (let i = 0; i < 200; i++) step();
      calls += 200;
      elapsed = performance.now() - start;
    }
    if (budgetMs === MEASURE_MS) return (calls * 1_000) / elapsed;
    // Yield between warm-up and measurement so pending GC and timers do not land inside it.
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  throw new Error("unreachable");
}

/** What a consumer of the generated code would do: read every field into plain objects. */
function readWithGenerated(frame: Uint8Array): Candle[] {
  const root = FbEnvelope.getRootAsEnvelope(new flatbuffers.ByteBuffer(frame));
  const batch: CandleBatch = root.payload(new CandleBatch());
  const count = batch.candlesLength();
  const out: Candle[] = new Array(count);
  const c = new FbCandle();
  for (let i = 0; i < count; i++) {
    batch.candles(i, c);
    out[i] = {
      openTimeMs: Number(c.openTimeMs()),
      open: c.open(),
      high: c.high(),
      low: c.low(),
      close: c.close(),
      volume: c.volume(),
    };
  }
  return out;
}

/** One-minute bars with prices in cents, as a feed sends them. */
function makeCandles(count: number): Candle[] {
  const startMs = 1_700_000_040_000;
  return Array.from({ length: count }, (_, i) => {
    const open = Math.round((190 + Math.sin(i / 9) * 4) * 100) / 100;
    const close = Math.round((open + Math.cos(i / 4) * 0.9) * 100) / 100;
    return {
      openTimeMs: startMs + i * 60_000,
      open,
      high: Math.round((Math.max(open, close) + 0.17) * 100) / 100,
      low: Math.round((Math.min(open, close) - 0.13) * 100) / 100,
      close,
      volume: 500 + ((i * 7_919) % 9_000),
    };
  });
}
