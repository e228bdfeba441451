/**
 * Frames built with the raw `flatbuffers.Builder` API (startObject / addField… / endObject), field slot by
 * field slot, without the generated code or our encoder. They stand in for writers we do not control: a
 * newer publisher that appended fields or union members, an older one that left defaults out, or a buggy
 * one that forgot a required field.
 *
 * Slots mirror schema/market_data.fbs (Envelope: schema_version 0, source 1, epoch 2, seq 3, symbol 4,
 * source_ts_ns 5, payload_type 6, payload 7).
 */
import * as flatbuffers from "flatbuffers";
import type { Candle } from "../../core/wire/types.ts";

/** Builds one table (or vector) inside `builder` and returns its offset. */
export type BuildTable = (builder: flatbuffers.Builder) => flatbuffers.Offset;

/** Union type codes of `Payload`, plus 7: a member appended by a newer schema. */
export const PAYLOAD_TYPE = {
  none: 0,
  candleBatch: 1,
  tickBatch: 2,
  tradeBatch: 3,
  heartbeat: 4,
  backfillRequest: 5,
  backfillReply: 6,
  newerMember: 7,
} as const;

export interface RawEnvelopeFields {
  /** `null` leaves the field out, as a writer that relies on the default (1) does. */
  schemaVersion?: number | null;
  /** `null` leaves the field out. */
  source?: string | null;
  epoch?: bigint;
  seq?: bigint;
  /** `null` leaves the field out. */
  symbol?: string | null;
  sourceTsNs?: bigint;
  payloadType?: number;
  /** Absent: no payload offset at all. */
  payload?: BuildTable;
  /** A newer schema's appended `trace_id: ulong` (slot 8). */
  traceId?: bigint;
  /** A newer schema's appended `region: string` (slot 9). */
  region?: string;
  /** File identifier; "MKTD" unless a test wants a wrong one. */
  identifier?: string;
}

/** An envelope frame; defaults give a valid-looking header with no payload. */
export function rawEnvelope(fields: RawEnvelopeFields): Uint8Array {
  const builder = new flatbuffers.Builder(256);
  const payload = fields.payload?.(builder);
  const source = fields.source === null ? null : builder.createString(fields.source ?? "raw");
  const symbol = fields.symbol === null ? null : builder.createString(fields.symbol ?? "AAPL");
  const region = fields.region === undefined ? null : builder.createString(fields.region);
  const appended = fields.traceId !== undefined || region !== null;
  builder.startObject(appended ? 10 : 8);
  if (fields.schemaVersion !== null) builder.addFieldInt16(0, fields.schemaVersion ?? 1, null);
  if (source !== null) builder.addFieldOffset(1, source, 0);
  builder.addFieldInt64(2, fields.epoch ?? 1n, null);
  builder.addFieldInt64(3, fields.seq ?? 1n, null);
  if (symbol !== null) builder.addFieldOffset(4, symbol, 0);
  builder.addFieldInt64(5, fields.sourceTsNs ?? 0n, null);
  if (fields.payloadType !== undefined) builder.addFieldInt8(6, fields.payloadType, null);
  if (payload !== undefined) builder.addFieldOffset(7, payload, 0);
  if (fields.traceId !== undefined) builder.addFieldInt64(8, fields.traceId, null);
  if (region !== null) builder.addFieldOffset(9, region, 0);
  builder.finish(builder.endObject(), fields.identifier ?? "MKTD");
  return builder.asUint8Array().slice();
}

export interface RawCandleBatchFields {
  /** `null` leaves the required field out. */
  interval?: string | null;
  /** `null` leaves the required field out. */
  candles?: Candle[] | null;
  lastIsPartial?: boolean;
  /** A newer schema's appended `venue: string` (slot 3). */
  venue?: string;
  /** A newer schema's appended `vwap: double` (slot 4). */
  vwap?: number;
}

export function rawCandleBatch(fields: RawCandleBatchFields): BuildTable {
  return (builder) => {
    const candles = fields.candles === null ? null : structVector(builder, fields.candles ?? [], 48, (c) => {
      builder.prep(8, 48);
      builder.writeFloat64(c.volume);
      builder.writeFloat64(c.close);
      builder.writeFloat64(c.low);
      builder.writeFloat64(c.high);
      builder.writeFloat64(c.open);
      builder.writeInt64(BigInt(c.openTimeMs));
    });
    const interval = fields.interval === null ? null : builder.createString(fields.interval ?? "1m");
    const venue = fields.venue === undefined ? null : builder.createString(fields.venue);
    const appended = venue !== null || fields.vwap !== undefined;
    builder.startObject(appended ? 5 : 3);
    if (interval !== null) builder.addFieldOffset(0, interval, 0);
    if (candles !== null) builder.addFieldOffset(1, candles, 0);
    if (fields.lastIsPartial !== undefined) builder.addFieldInt8(2, fields.lastIsPartial ? 1 : 0, null);
    if (venue !== null) builder.addFieldOffset(3, venue, 0);
    if (fields.vwap !== undefined) builder.addFieldFloat64(4, fields.vwap, null);
    return builder.endObject();
  };
}

/** A trade as a writer sends it: `side` is the raw enum byte, so values a newer schema adds can be sent. */
export interface RawTrade {
  tsNs: bigint;
  price: number;
  size: number;
  tradeId: bigint;
  sideCode: number;
}

export function rawTradeBatch(trades: RawTrade[]): BuildTable {
  return (builder) => {
    const vector = structVector(builder, trades, 40, (t) => {
      builder.prep(8, 40);
      builder.pad(7);
      builder.writeInt8(t.sideCode);
      builder.writeInt64(BigInt.asUintN(64, t.tradeId));
      builder.writeFloat64(t.size);
      builder.writeFloat64(t.price);
      builder.writeInt64(t.tsNs);
    });
    builder.startObject(1);
    builder.addFieldOffset(0, vector, 0);
    return builder.endObject();
  };
}

/** A heartbeat; a cursor with `topic: null` leaves its required topic out. */
export function rawHeartbeat(cursors: { topic: string | null; seq: bigint }[]): BuildTable {
  return (builder) => {
    const tables = cursors.map((c) => {
      const topic = c.topic === null ? null : builder.createString(c.topic);
      builder.startObject(2);
      if (topic !== null) builder.addFieldOffset(0, topic, 0);
      builder.addFieldInt64(1, c.seq, null);
      return builder.endObject();
    });
    builder.startVector(4, tables.length, 4);
    for (let i = tables.length - 1; i >= 0; i--) builder.addOffset(tables[i]);
    const vector = builder.endVector();
    builder.startObject(1);
    builder.addFieldOffset(0, vector, 0);
    return builder.endObject();
  };
}

export interface RawBackfillRequestFields {
  requestId?: bigint;
  /** `null` leaves the required field out. */
  topic?: string | null;
  fromSeq?: bigint;
  toSeq?: bigint;
  fromMs?: bigint;
  toMs?: bigint;
}

export function rawBackfillRequest(fields: RawBackfillRequestFields): BuildTable {
  return (builder) => {
    const topic = fields.topic === null ? null : builder.createString(fields.topic ?? "candle.AAPL.1m");
    builder.startObject(6);
    builder.addFieldInt64(0, fields.requestId ?? 1n, null);
    if (topic !== null) builder.addFieldOffset(1, topic, 0);
    builder.addFieldInt64(2, fields.fromSeq ?? 0n, null);
    builder.addFieldInt64(3, fields.toSeq ?? 0n, null);
    builder.addFieldInt64(4, fields.fromMs ?? 0n, null);
    builder.addFieldInt64(5, fields.toMs ?? 0n, null);
    return builder.endObject();
  };
}

/** A backfill reply with a raw status byte, so a status a newer schema adds can be sent. */
export function rawBackfillReply(fields: { statusCode: number; message?: string; count?: number }): BuildTable {
  return (builder) => {
    const message = builder.createString(fields.message ?? "");
    builder.startObject(4);
    builder.addFieldInt64(0, 1n, null);
    builder.addFieldInt8(1, fields.statusCode, null);
    builder.addFieldOffset(2, message, 0);
    builder.addFieldInt32(3, fields.count ?? 0, null);
    return builder.endObject();
  };
}

/**
 * The table of a union member a newer schema appended (type 7), e.g.
 * `table BookBatch { venue: string; levels: [double]; depth: uint; }`.
 */
export function rawNewerMember(): BuildTable {
  return (builder) => {
    const venue = builder.createString("XNAS");
    builder.startVector(8, 3, 8);
    for (const price of [101.5, 101.25, 101]) builder.addFloat64(price);
    const levels = builder.endVector();
    builder.startObject(3);
    builder.addFieldOffset(0, venue, 0);
    builder.addFieldOffset(1, levels, 0);
    builder.addFieldInt32(2, 3, null);
    return builder.endObject();
  };
}

function structVector<T>(
  builder: flatbuffers.Builder,
  items: readonly T[],
  elementBytes: number,
  write: (item: T) => void,
): flatbuffers.Offset {
  builder.startVector(elementBytes, items.length, 8);
  // FlatBuffers builds back to front.
  for (let i = items.length - 1; i >= 0; i--) write(items[i]);
  return builder.endVector();
}
