/**
 * Plain domain types for the market-data wire contract (../shared/WIRE.md).
 *
 * The rest of the app uses these, never the flatc-generated classes: decoding copies out of the frame once,
 * so nothing downstream holds the frame buffer.
 *
 * Number choices: prices, sizes and millisecond times are `number` (ms since the Unix epoch stay exact far
 * beyond 2^53 ms' reach); sequence numbers are `number` too and the decoder rejects any above 2^53 - 1.
 * Nanosecond timestamps, trade ids, request ids and epochs are `bigint`: they routinely exceed 2^53.
 */

/** The schema version this reader knows; higher ones are rejected as `unsupported_version`. */
export const SCHEMA_VERSION = 1;

/** The file identifier every data frame carries at bytes 4..8. */
export const FILE_IDENTIFIER = "MKTD";

/** Topic of heartbeats. */
export const HEARTBEAT_TOPIC = "hb";

export type Side = "unknown" | "buy" | "sell";

export type Status = "ok" | "not_found" | "bad_request" | "too_large" | "unavailable";

export interface Candle {
  /** Bar open time, ms since the Unix epoch (UTC). */
  openTimeMs: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

export interface Tick {
  tsNs: bigint;
  bid: number;
  ask: number;
  bidSize: number;
  askSize: number;
}

export interface Trade {
  tsNs: bigint;
  price: number;
  size: number;
  tradeId: bigint;
  side: Side;
}

export interface StreamCursor {
  topic: string;
  seq: number;
}

export interface CandleBatchPayload {
  kind: "candles";
  interval: string;
  candles: Candle[];
  /** The last candle is the bar still forming; later messages may revise it. */
  lastIsPartial: boolean;
}

export interface TickBatchPayload {
  kind: "ticks";
  ticks: Tick[];
}

export interface TradeBatchPayload {
  kind: "trades";
  trades: Trade[];
}

export interface HeartbeatPayload {
  kind: "heartbeat";
  cursors: StreamCursor[];
}

export interface BackfillRequestPayload {
  kind: "backfill_request";
  requestId: bigint;
  topic: string;
  /** > 0: ask for seqs fromSeq..toSeq (toSeq 0 = latest) of the current epoch. */
  fromSeq: number;
  toSeq: number;
  /** Used when fromSeq is 0: candles whose open time lies in fromMs..toMs (0 = unbounded). */
  fromMs: number;
  toMs: number;
}

export interface BackfillReplyPayload {
  kind: "backfill_reply";
  requestId: bigint;
  status: Status;
  message: string;
  /** Number of data frames that follow this one in the reply. */
  count: number;
}

export type Payload =
  | CandleBatchPayload
  | TickBatchPayload
  | TradeBatchPayload
  | HeartbeatPayload
  | BackfillRequestPayload
  | BackfillReplyPayload;

export type PayloadKind = Payload["kind"];

export interface Envelope<P extends Payload = Payload> {
  schemaVersion: number;
  source: string;
  /** The publisher's session id; a restart brings a new epoch and seqs start again at 1. */
  epoch: bigint;
  /** Per topic, contiguous from 1 within one (source, epoch). */
  seq: number;
  symbol: string;
  sourceTsNs: bigint;
  payload: P;
}

/** Why a frame was rejected. Every rejection is counted by this code. */
export type RejectReason =
  | "too_short"
  | "bad_identifier"
  | "unsupported_version"
  | "out_of_bounds"
  | "missing_field"
  | "missing_payload"
  | "unknown_payload"
  | "bad_utf8"
  | "invalid_values";

export type DecodeResult =
  | { kind: "envelope"; envelope: Envelope }
  | { kind: "rejected"; reason: RejectReason; message: string };

/**
 * The stream key of a message, which is also its PUB/SUB topic: `candle.<SYMBOL>.<interval>`,
 * `tick.<SYMBOL>`, `trade.<SYMBOL>` or `hb`. Backfill requests and replies travel on REQ/REP, not on a
 * topic; their key is the topic they ask about.
 */
export function topicOf(envelope: Envelope): string {
  const p = envelope.payload;
  switch (p.kind) {
    case "candles":
      return `candle.${envelope.symbol}.${p.interval}`;
    case "ticks":
      return `tick.${envelope.symbol}`;
    case "trades":
      return `trade.${envelope.symbol}`;
    case "heartbeat":
      return HEARTBEAT_TOPIC;
    case "backfill_request":
      return p.topic;
    case "backfill_reply":
      return "";
  }
}
