/** Plain, valid envelopes of every payload kind for tests and the tap. */
import type { Candle, Envelope, PayloadKind } from "../../core/wire/types.ts";

export const SAMPLE_HEADER = {
  schemaVersion: 1,
  source: "demo",
  epoch: 1_700_000_000_000n,
  seq: 42,
  symbol: "AAPL",
  sourceTsNs: 1_700_000_000_123_456_789n,
} as const satisfies Omit<Envelope, "payload">;

/** `count` one-minute bars from 2023-11-14T22:13:00Z, prices in cents as a feed sends them. */
export function sampleCandles(count: number, startMs = 1_700_000_000_000 - (1_700_000_000_000 % 60_000)): Candle[] {
  return Array.from({ length: count }, (_, i) => {
    const open = Math.round((190 + Math.sin(i / 7) * 3) * 100) / 100;
    const close = Math.round((open + Math.cos(i / 3) * 0.8) * 100) / 100;
    return {
      openTimeMs: startMs + i * 60_000,
      open,
      high: Math.max(open, close) + 0.25,
      low: Math.min(open, close) - 0.25,
      close,
      volume: 1_000 + ((i * 7919) % 5_000),
    };
  });
}

/** One valid envelope of `kind`, with a few records. */
export function sampleEnvelope(kind: PayloadKind, header: Partial<Omit<Envelope, "payload">> = {}): Envelope {
  const h = { ...SAMPLE_HEADER, ...header };
  switch (kind) {
    case "candles":
      return { ...h, payload: { kind, interval: "1m", candles: sampleCandles(3), lastIsPartial: true } };
    case "ticks":
      return {
        ...h,
        payload: {
          kind,
          ticks: [
            { tsNs: 1_700_000_000_000_000_001n, bid: 189.99, ask: 190.01, bidSize: 300, askSize: 200 },
            { tsNs: 1_700_000_000_000_000_777n, bid: 190, ask: 190.02, bidSize: 0, askSize: 100.5 },
          ],
        },
      };
    case "trades":
      return {
        ...h,
        payload: {
          kind,
          trades: [
            { tsNs: 1_700_000_000_000_000_001n, price: 190, size: 10, tradeId: 9001n, side: "buy" },
            { tsNs: 1_700_000_000_000_000_002n, price: 190.01, size: 0.5, tradeId: 9002n, side: "sell" },
            { tsNs: 1_700_000_000_000_000_003n, price: 190.02, size: 3, tradeId: 9003n, side: "unknown" },
          ],
        },
      };
    case "heartbeat":
      return {
        ...h,
        symbol: "",
        payload: { kind, cursors: [{ topic: "candle.AAPL.1m", seq: 41 }, { topic: "tick.AAPL", seq: 1_234 }] },
      };
    case "backfill_request":
      return {
        ...h,
        payload: {
          kind,
          requestId: 7n,
          topic: "candle.AAPL.1m",
          fromSeq: 10,
          toSeq: 20,
          fromMs: 0,
          toMs: 0,
        },
      };
    case "backfill_reply":
      return {
        ...h,
        payload: { kind, requestId: 7n, status: "ok", message: "11 frames follow", count: 11 },
      };
  }
}

export const PAYLOAD_KINDS: readonly PayloadKind[] = [
  "candles",
  "ticks",
  "trades",
  "heartbeat",
  "backfill_request",
  "backfill_reply",
];
