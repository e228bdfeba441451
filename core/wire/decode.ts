/**
 * `decodeFrame()`: the one way into the app for bytes from the wire.
 *
 * The FlatBuffers TypeScript runtime has no verifier and reads garbage silently from a corrupt buffer, so
 * this module does not use the generated accessors: it walks the frame itself with a DataView, checks every
 * offset, vtable and vector length against the frame before reading, validates the values, and copies them
 * out into plain objects. It never throws: every failure is a `{ kind: "rejected", reason, message }` value.
 * Field indices and struct layouts below mirror schema/market_data.fbs, which must match ../shared/WIRE.md.
 */
import {
  type BackfillReplyPayload,
  type BackfillRequestPayload,
  type Candle,
  type DecodeResult,
  type Envelope,
  FILE_IDENTIFIER,
  type Payload,
  type RejectReason,
  SCHEMA_VERSION,
  type Side,
  type Status,
  type StreamCursor,
  type Tick,
  type Trade,
} from "./types.ts";

/** Smallest possible frame: root offset, identifier, and a table's soffset. */
const MIN_FRAME_BYTES = 12;

// Struct sizes and the union's type codes, from schema/market_data.fbs.
const CANDLE_BYTES = 48;
const TICK_BYTES = 40;
const TRADE_BYTES = 40;
const PAYLOAD_CANDLE_BATCH = 1;
const PAYLOAD_TICK_BATCH = 2;
const PAYLOAD_TRADE_BATCH = 3;
const PAYLOAD_HEARTBEAT = 4;
const PAYLOAD_BACKFILL_REQUEST = 5;
const PAYLOAD_BACKFILL_REPLY = 6;

const TWO_32 = 4294967296;
/** Largest high word of a 64-bit integer whose value is still a safe JS number. */
const MAX_SAFE_HIGH = 0x1fffff;

/** Field names by table, in vtable order (a union takes two slots: type, then value), for error messages. */
const FIELD_NAMES: Readonly<Record<string, readonly string[]>> = {
  Envelope: ["schema_version", "source", "epoch", "seq", "symbol", "source_ts_ns", "payload_type", "payload"],
  CandleBatch: ["interval", "candles", "last_is_partial"],
  TickBatch: ["ticks"],
  TradeBatch: ["trades"],
  StreamCursor: ["topic", "seq"],
  Heartbeat: ["cursors"],
  BackfillRequest: ["request_id", "topic", "from_seq", "to_seq", "from_ms", "to_ms"],
  BackfillReply: ["request_id", "status", "message", "count"],
};

const SIDES: readonly Side[] = ["unknown", "buy", "sell"];
const STATUSES: readonly Status[] = ["ok", "not_found", "bad_request", "too_large", "unavailable"];

// ignoreBOM: a leading U+FEFF is part of the string on the wire; the default would silently drop it.
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Thrown only inside this module and turned into a rejection value by `decodeFrame()`. */
class FrameError extends Error {
  constructor(readonly reason: RejectReason, message: string) {
    super(message);
  }
}

/** A table located and bounds-checked: its position, vtable and inline size. */
interface Table {
  pos: number;
  vtable: number;
  vtableBytes: number;
  objectBytes: number;
  name: string;
}

/** Decodes one frame. Never throws; a bad frame comes back as a rejection with its reason. */
export function decodeFrame(bytes: Uint8Array): DecodeResult {
  try {
    return { kind: "envelope", envelope: readEnvelope(bytes) };
  } catch (error) {
    if (error instanceof FrameError) return { kind: "rejected", reason: error.reason, message: error.message };
    // A bug here must still not stop the stream; report it as a rejection with the cause.
    return {
      kind: "rejected",
      reason: "out_of_bounds",
      message: `Cannot decode envelope: unexpected ${error instanceof Error ? error.message : String(error)}`,
    };
  }
}

function readEnvelope(bytes: Uint8Array): Envelope {
  if (bytes.byteLength < MIN_FRAME_BYTES) {
    throw new FrameError(
      "too_short",
      `Cannot decode envelope: frame has ${bytes.byteLength} bytes, expected at least ${MIN_FRAME_BYTES}`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const identifier = String.fromCharCode(bytes[4], bytes[5], bytes[6], bytes[7]);
  if (identifier !== FILE_IDENTIFIER) {
    throw new FrameError(
      "bad_identifier",
      `Cannot decode envelope: file identifier is ${JSON.stringify(identifier)}, expected "${FILE_IDENTIFIER}"`,
    );
  }
  const root = table(view, view.getUint32(0, true), "Envelope");
  const schemaVersion = u16Field(view, root, 0, SCHEMA_VERSION);
  if (schemaVersion > SCHEMA_VERSION) {
    throw new FrameError(
      "unsupported_version",
      `Cannot decode envelope: schema_version is ${schemaVersion}, this reader knows up to ${SCHEMA_VERSION}; ` +
        "upgrade fluxbook to read it",
    );
  }
  const source = stringField(view, root, 1, false) ?? "";
  const epoch = u64BigField(view, root, 2);
  const seq = u64SafeField(view, root, 3, "seq");
  const symbol = stringField(view, root, 4, false) ?? "";
  const sourceTsNs = i64BigField(view, root, 5);
  const payloadType = u8Field(view, root, 6, 0);
  const payloadPos = offsetField(view, root, 7);
  if (payloadType === 0 || payloadPos === null) {
    throw new FrameError("missing_payload", "Cannot decode envelope: it carries no payload");
  }
  const payload = readPayload(view, payloadType, payloadPos, symbol);
  return { schemaVersion, source, epoch, seq, symbol, sourceTsNs, payload };
}

function readPayload(view: DataView, type: number, pos: number, symbol: string): Payload {
  switch (type) {
    case PAYLOAD_CANDLE_BATCH:
      return readCandleBatch(view, table(view, pos, "CandleBatch"), symbol);
    case PAYLOAD_TICK_BATCH:
      return { kind: "ticks", ticks: readTicks(view, table(view, pos, "TickBatch"), symbol) };
    case PAYLOAD_TRADE_BATCH:
      return { kind: "trades", trades: readTrades(view, table(view, pos, "TradeBatch"), symbol) };
    case PAYLOAD_HEARTBEAT:
      return { kind: "heartbeat", cursors: readCursors(view, table(view, pos, "Heartbeat")) };
    case PAYLOAD_BACKFILL_REQUEST:
      return readBackfillRequest(view, table(view, pos, "BackfillRequest"));
    case PAYLOAD_BACKFILL_REPLY:
      return readBackfillReply(view, table(view, pos, "BackfillReply"));
    default:
      throw new FrameError(
        "unknown_payload",
        `Cannot decode envelope: payload type ${type} is not one this reader knows (1..${PAYLOAD_BACKFILL_REPLY}); ` +
          "a newer publisher may send it, so it is skipped",
      );
  }
}

function readCandleBatch(view: DataView, t: Table, symbol: string): Payload {
  const interval = stringField(view, t, 0, true)!;
  if (interval.length === 0) invalid(`candle batch for ${JSON.stringify(symbol)} has an empty interval`);
  const [start, count] = structVector(view, t, 1, CANDLE_BYTES, true);
  const lastIsPartial = u8Field(view, t, 2, 0) !== 0;
  const candles: Candle[] = new Array(count);
  let previousOpenTimeMs = -Infinity;
  for (let i = 0, p = start; i < count; i++, p += CANDLE_BYTES) {
    const openTimeMs = i64Safe(view, p, "open_time_ms");
    const open = view.getFloat64(p + 8, true);
    const high = view.getFloat64(p + 16, true);
    const low = view.getFloat64(p + 24, true);
    const close = view.getFloat64(p + 32, true);
    const volume = view.getFloat64(p + 40, true);
    // Written so that NaN fails every comparison and lands in the error branch.
    if (
      !(low <= open && open <= high && low <= close && close <= high && volume >= 0) ||
      !Number.isFinite(high) || !Number.isFinite(low) || volume === Infinity
    ) {
      invalid(
        `candle ${i} of ${symbol} ${interval} is inconsistent: ` +
          `open ${open}, high ${high}, low ${low}, close ${close}, volume ${volume} ` +
          "(expected finite values with low <= open, close <= high and volume >= 0)",
      );
    }
    if (openTimeMs <= previousOpenTimeMs) {
      invalid(
        `candle ${i} of ${symbol} ${interval} opens at ${openTimeMs} ms, not after the previous ${previousOpenTimeMs} ms ` +
          "(candles in a batch must ascend by open time)",
      );
    }
    previousOpenTimeMs = openTimeMs;
    candles[i] = { openTimeMs, open, high, low, close, volume };
  }
  return { kind: "candles", interval, candles, lastIsPartial };
}

function readTicks(view: DataView, t: Table, symbol: string): Tick[] {
  const [start, count] = structVector(view, t, 0, TICK_BYTES, true);
  const ticks: Tick[] = new Array(count);
  for (let i = 0, p = start; i < count; i++, p += TICK_BYTES) {
    const tick: Tick = {
      tsNs: view.getBigInt64(p, true),
      bid: view.getFloat64(p + 8, true),
      ask: view.getFloat64(p + 16, true),
      bidSize: view.getFloat64(p + 24, true),
      askSize: view.getFloat64(p + 32, true),
    };
    // Crossed or locked quotes do happen on real feeds, so bid > ask is accepted; non-finite values are not.
    if (
      !Number.isFinite(tick.bid) || !Number.isFinite(tick.ask) || !(tick.bidSize >= 0) || !(tick.askSize >= 0) ||
      tick.bidSize === Infinity || tick.askSize === Infinity
    ) {
      invalid(
        `tick ${i} of ${symbol} is invalid: bid ${tick.bid} x ${tick.bidSize}, ask ${tick.ask} x ${tick.askSize} ` +
          "(expected finite prices and sizes >= 0)",
      );
    }
    ticks[i] = tick;
  }
  return ticks;
}

function readTrades(view: DataView, t: Table, symbol: string): Trade[] {
  const [start, count] = structVector(view, t, 0, TRADE_BYTES, true);
  const trades: Trade[] = new Array(count);
  for (let i = 0, p = start; i < count; i++, p += TRADE_BYTES) {
    const price = view.getFloat64(p + 8, true);
    const size = view.getFloat64(p + 16, true);
    if (!Number.isFinite(price) || !(size >= 0) || size === Infinity) {
      invalid(`trade ${i} of ${symbol} is invalid: price ${price}, size ${size} (expected finite, size >= 0)`);
    }
    const sideCode = view.getInt8(p + 32);
    trades[i] = {
      tsNs: view.getBigInt64(p, true),
      price,
      size,
      tradeId: view.getBigUint64(p + 24, true),
      // Enums may gain values in a newer schema; an unknown side is read as "unknown", not rejected.
      side: SIDES[sideCode] ?? "unknown",
    };
  }
  return trades;
}

function readCursors(view: DataView, t: Table): StreamCursor[] {
  const vector = offsetField(view, t, 0);
  if (vector === null) return [];
  const count = vectorLength(view, vector, 4, "Heartbeat.cursors");
  const cursors: StreamCursor[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const element = vector + 4 + i * 4;
    const cursor = table(view, element + view.getUint32(element, true), "StreamCursor");
    cursors[i] = { topic: stringField(view, cursor, 0, true)!, seq: u64SafeField(view, cursor, 1, "cursor seq") };
  }
  return cursors;
}

function readBackfillRequest(view: DataView, t: Table): BackfillRequestPayload {
  return {
    kind: "backfill_request",
    requestId: u64BigField(view, t, 0),
    topic: stringField(view, t, 1, true)!,
    fromSeq: u64SafeField(view, t, 2, "from_seq"),
    toSeq: u64SafeField(view, t, 3, "to_seq"),
    fromMs: i64SafeField(view, t, 4, "from_ms"),
    toMs: i64SafeField(view, t, 5, "to_ms"),
  };
}

function readBackfillReply(view: DataView, t: Table): BackfillReplyPayload {
  const statusCode = u8Field(view, t, 1, 0);
  const status = STATUSES[statusCode];
  if (status === undefined) invalid(`backfill reply status ${statusCode} is not one this reader knows`);
  return {
    kind: "backfill_reply",
    requestId: u64BigField(view, t, 0),
    status,
    message: stringField(view, t, 2, false) ?? "",
    count: fieldPos(view, t, 3, 4) === null ? 0 : view.getUint32(fieldPos(view, t, 3, 4)!, true),
  };
}

// ---- bounds-checked primitives -------------------------------------------------------------------------

/** `CandleBatch.interval`; `Table.field 9` for a field only a newer schema has. */
function fieldName(t: Table, index: number): string {
  return `${t.name}.${FIELD_NAMES[t.name]?.[index] ?? `field ${index}`}`;
}

function outOfBounds(what: string, detail: string): never {
  throw new FrameError("out_of_bounds", `Cannot decode envelope: ${what} ${detail}`);
}

function invalid(detail: string): never {
  throw new FrameError("invalid_values", `Cannot accept envelope: ${detail}`);
}

/** Locates a table at `pos` and checks its vtable and inline bytes lie inside the frame. */
function table(view: DataView, pos: number, name: string): Table {
  const length = view.byteLength;
  if (pos < 8 || pos + 4 > length) outOfBounds(`${name} table`, `at ${pos} is outside the ${length}-byte frame`);
  const vtable = pos - view.getInt32(pos, true);
  if (vtable < 8 || vtable + 4 > length) {
    outOfBounds(`${name} vtable`, `at ${vtable} is outside the ${length}-byte frame`);
  }
  const vtableBytes = view.getUint16(vtable, true);
  const objectBytes = view.getUint16(vtable + 2, true);
  if (vtableBytes < 4 || vtableBytes % 2 !== 0 || vtable + vtableBytes > length) {
    outOfBounds(`${name} vtable`, `of ${vtableBytes} bytes at ${vtable} does not fit the ${length}-byte frame`);
  }
  if (objectBytes < 4 || pos + objectBytes > length) {
    outOfBounds(`${name} table`, `of ${objectBytes} bytes at ${pos} does not fit the ${length}-byte frame`);
  }
  return { pos, vtable, vtableBytes, objectBytes, name };
}

/** Absolute position of field `index` if present, after checking `size` bytes of it lie in the table. */
function fieldPos(view: DataView, t: Table, index: number, size: number): number | null {
  const slot = 4 + index * 2;
  if (slot + 2 > t.vtableBytes) return null;
  const offset = view.getUint16(t.vtable + slot, true);
  if (offset === 0) return null;
  if (offset < 4 || offset + size > t.objectBytes) {
    outOfBounds(fieldName(t, index), `at offset ${offset} (+${size} bytes) is outside its ${t.objectBytes}-byte table`);
  }
  return t.pos + offset;
}

/** Follows an offset field (string, vector, table) and returns the absolute target position. */
function offsetField(view: DataView, t: Table, index: number): number | null {
  const pos = fieldPos(view, t, index, 4);
  if (pos === null) return null;
  const target = pos + view.getUint32(pos, true);
  if (target + 4 > view.byteLength) {
    outOfBounds(fieldName(t, index), `points to ${target}, outside the ${view.byteLength}-byte frame`);
  }
  return target;
}

function vectorLength(view: DataView, pos: number, elementBytes: number, what: string): number {
  const count = view.getUint32(pos, true);
  if (pos + 4 + count * elementBytes > view.byteLength) {
    outOfBounds(
      what,
      `claims ${count} elements of ${elementBytes} bytes at ${pos}, more than the ${view.byteLength}-byte frame holds`,
    );
  }
  return count;
}

function structVector(
  view: DataView,
  t: Table,
  index: number,
  elementBytes: number,
  required: boolean,
): [start: number, count: number] {
  const pos = offsetField(view, t, index);
  if (pos === null) {
    if (required) missing(t, index);
    return [0, 0];
  }
  return [pos + 4, vectorLength(view, pos, elementBytes, fieldName(t, index))];
}

function missing(t: Table, index: number): never {
  throw new FrameError("missing_field", `Cannot decode envelope: required field ${fieldName(t, index)} is missing`);
}

function stringField(view: DataView, t: Table, index: number, required: boolean): string | null {
  const pos = offsetField(view, t, index);
  if (pos === null) {
    if (required) missing(t, index);
    return null;
  }
  const length = view.getUint32(pos, true);
  // A string is its bytes plus a NUL terminator.
  if (pos + 4 + length + 1 > view.byteLength) {
    outOfBounds(
      `string ${fieldName(t, index)}`,
      `of ${length} bytes at ${pos} runs past the ${view.byteLength}-byte frame`,
    );
  }
  const start = view.byteOffset + pos + 4;
  try {
    return utf8.decode(new Uint8Array(view.buffer, start, length));
  } catch {
    throw new FrameError("bad_utf8", `Cannot decode envelope: string ${fieldName(t, index)} is not valid UTF-8`);
  }
}

function u8Field(view: DataView, t: Table, index: number, fallback: number): number {
  const pos = fieldPos(view, t, index, 1);
  return pos === null ? fallback : view.getUint8(pos);
}

function u16Field(view: DataView, t: Table, index: number, fallback: number): number {
  const pos = fieldPos(view, t, index, 2);
  return pos === null ? fallback : view.getUint16(pos, true);
}

function u64BigField(view: DataView, t: Table, index: number): bigint {
  const pos = fieldPos(view, t, index, 8);
  return pos === null ? 0n : view.getBigUint64(pos, true);
}

function i64BigField(view: DataView, t: Table, index: number): bigint {
  const pos = fieldPos(view, t, index, 8);
  return pos === null ? 0n : view.getBigInt64(pos, true);
}

function u64SafeField(view: DataView, t: Table, index: number, what: string): number {
  const pos = fieldPos(view, t, index, 8);
  if (pos === null) return 0;
  const high = view.getUint32(pos + 4, true);
  if (high > MAX_SAFE_HIGH) invalid(`${what} ${view.getBigUint64(pos, true)} exceeds 2^53 - 1`);
  return high * TWO_32 + view.getUint32(pos, true);
}

function i64SafeField(view: DataView, t: Table, index: number, what: string): number {
  const pos = fieldPos(view, t, index, 8);
  return pos === null ? 0 : i64Safe(view, pos, what);
}

function i64Safe(view: DataView, pos: number, what: string): number {
  // Exact whenever |value| <= 2^53; beyond that it rounds to a value that is not a safe integer either.
  const value = view.getInt32(pos + 4, true) * TWO_32 + view.getUint32(pos, true);
  if (!Number.isSafeInteger(value)) {
    invalid(`${what} ${view.getBigInt64(pos, true)} is outside the safe integer range`);
  }
  return value;
}
