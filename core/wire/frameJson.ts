/**
 * The JSON view of one decoded frame, as `deno task tap` prints it: one flat object per message, jq-friendly.
 * Bigints (epochs, nanosecond times, ids) become decimal strings, since JSON numbers lose them past 2^53;
 * candle open times also appear as ISO text for reading at a glance.
 */
import type {
  BackfillReplyPayload,
  BackfillRequestPayload,
  DecodeResult,
  Envelope,
  RejectReason,
  Side,
} from "./types.ts";
import { topicOf } from "./types.ts";

export interface CandleJson {
  openTimeMs: number;
  /** ISO 8601 UTC; null when the time lies outside what a Date can show. */
  openTime: string | null;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

export interface TickJson {
  tsNs: string;
  bid: number;
  ask: number;
  bidSize: number;
  askSize: number;
}

export interface TradeJson {
  tsNs: string;
  price: number;
  size: number;
  tradeId: string;
  side: Side;
}

interface HeaderJson {
  /** The wire topic the message came on, or the envelope's own stream key when read from a file. */
  topic: string;
  source: string;
  epoch: string;
  seq: number;
  symbol: string;
  sourceTsNs: string;
  schemaVersion: number;
}

export type FrameJson =
  | HeaderJson & {
    kind: "candles";
    interval: string;
    lastIsPartial: boolean;
    records: CandleJson[];
    bytes: number;
  }
  | HeaderJson & { kind: "ticks"; records: TickJson[]; bytes: number }
  | HeaderJson & { kind: "trades"; records: TradeJson[]; bytes: number }
  | HeaderJson & { kind: "heartbeat"; cursors: { topic: string; seq: number }[]; bytes: number }
  | HeaderJson & {
    kind: "backfill_request";
    request: Omit<BackfillRequestPayload, "kind" | "requestId"> & { requestId: string };
    bytes: number;
  }
  | HeaderJson & {
    kind: "backfill_reply";
    reply: Omit<BackfillReplyPayload, "kind" | "requestId"> & { requestId: string };
    bytes: number;
  }
  | RejectedJson;

/** A frame the decoder rejected, or a message that was not `[topic, envelope]` (`bad_message`). */
export interface RejectedJson {
  kind: "rejected";
  reason: RejectReason | "bad_message";
  message: string;
  topic: string | null;
  bytes: number;
}

export interface FrameJsonOptions {
  /** The topic frame of the message; null (a frame read from a file) uses the envelope's stream key. */
  topic: string | null;
  /** Size of the envelope frame in bytes. */
  bytes: number;
}

/** The JSON view of a decode result; `JSON.stringify` it as is. */
export function frameJson(result: DecodeResult, options: FrameJsonOptions): FrameJson {
  const { bytes } = options;
  if (result.kind === "rejected") {
    return { kind: "rejected", reason: result.reason, message: result.message, topic: options.topic, bytes };
  }
  const e = result.envelope;
  const topic = options.topic ?? topicOf(e);
  const p = e.payload;
  switch (p.kind) {
    case "candles":
      return {
        ...header(e, topic, p.kind),
        interval: p.interval,
        lastIsPartial: p.lastIsPartial,
        records: p.candles.map((c) => ({
          openTimeMs: c.openTimeMs,
          openTime: isoTime(c.openTimeMs),
          open: c.open,
          high: c.high,
          low: c.low,
          close: c.close,
          volume: c.volume,
        })),
        bytes,
      };
    case "ticks":
      return {
        ...header(e, topic, p.kind),
        records: p.ticks.map((t) => ({
          tsNs: t.tsNs.toString(),
          bid: t.bid,
          ask: t.ask,
          bidSize: t.bidSize,
          askSize: t.askSize,
        })),
        bytes,
      };
    case "trades":
      return {
        ...header(e, topic, p.kind),
        records: p.trades.map((t) => ({
          tsNs: t.tsNs.toString(),
          price: t.price,
          size: t.size,
          tradeId: t.tradeId.toString(),
          side: t.side,
        })),
        bytes,
      };
    case "heartbeat":
      return { ...header(e, topic, p.kind), cursors: p.cursors.map((c) => ({ topic: c.topic, seq: c.seq })), bytes };
    case "backfill_request": {
      const { kind, requestId, ...rest } = p;
      return { ...header(e, topic, kind), request: { requestId: requestId.toString(), ...rest }, bytes };
    }
    case "backfill_reply": {
      const { kind, requestId, ...rest } = p;
      return { ...header(e, topic, kind), reply: { requestId: requestId.toString(), ...rest }, bytes };
    }
  }
}

/** The fields every envelope line starts with, in the order they print: topic and kind first. */
function header<K extends FrameJson["kind"]>(e: Envelope, topic: string, kind: K): HeaderJson & { kind: K } {
  return {
    topic,
    kind,
    source: e.source,
    epoch: e.epoch.toString(),
    seq: e.seq,
    symbol: e.symbol,
    sourceTsNs: e.sourceTsNs.toString(),
    schemaVersion: e.schemaVersion,
  };
}

/** ISO text of a ms timestamp; null past ±8.64e15 ms, where Date gives up (safe integers reach 9.007e15). */
function isoTime(ms: number): string | null {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}
