/**
 * Where things sit inside a VALID frame, so tests can corrupt one precise spot (a vtable offset, a vector
 * length, a string length) and check the decoder names it. Reads with the flatbuffers runtime, not with the
 * decoder under test.
 */
import * as flatbuffers from "flatbuffers";

export interface FrameLayout {
  /** The Envelope table (its soffset to the vtable is the int32 here). */
  rootPos: number;
  rootVtablePos: number;
  /** Length prefix of the symbol string. */
  symbolPos: number;
  /** The payload table (its soffset to the vtable is the int32 here). */
  payloadPos: number;
  /** Length prefix of the payload table's first field when it is a vector (candles, ticks, trades, cursors). */
  firstVectorPos: number | null;
  /** Length prefix of the CandleBatch interval string. */
  intervalPos: number | null;
}

// vtable slots are byte offsets: 4 + 2 * field index.
const ENVELOPE_SYMBOL_SLOT = 12;
const ENVELOPE_PAYLOAD_TYPE_SLOT = 16;
const ENVELOPE_PAYLOAD_SLOT = 18;
const CANDLE_BATCH_INTERVAL_SLOT = 4;
const CANDLE_BATCH_CANDLES_SLOT = 6;
const FIRST_FIELD_SLOT = 4;

export function frameLayout(frame: Uint8Array): FrameLayout {
  const bb = new flatbuffers.ByteBuffer(frame);
  const rootPos = bb.readUint32(0);
  const rootVtablePos = rootPos - bb.readInt32(rootPos);
  const symbolPos = follow(bb, rootPos, ENVELOPE_SYMBOL_SLOT);
  const payloadPos = follow(bb, rootPos, ENVELOPE_PAYLOAD_SLOT);
  const payloadType = bb.readUint8(rootPos + bb.__offset(rootPos, ENVELOPE_PAYLOAD_TYPE_SLOT));
  let firstVectorPos: number | null = null;
  let intervalPos: number | null = null;
  if (payloadType === 1) {
    intervalPos = follow(bb, payloadPos, CANDLE_BATCH_INTERVAL_SLOT);
    firstVectorPos = follow(bb, payloadPos, CANDLE_BATCH_CANDLES_SLOT);
  } else if (payloadType >= 2 && payloadType <= 4) {
    firstVectorPos = follow(bb, payloadPos, FIRST_FIELD_SLOT);
  }
  return { rootPos, rootVtablePos, symbolPos, payloadPos, firstVectorPos, intervalPos };
}

function follow(bb: flatbuffers.ByteBuffer, tablePos: number, slot: number): number {
  const offset = bb.__offset(tablePos, slot);
  if (offset === 0) throw new Error(`frameLayout: field at vtable slot ${slot} of the table at ${tablePos} is absent`);
  const fieldPos = tablePos + offset;
  return fieldPos + bb.readUint32(fieldPos);
}

/** A copy of `frame` with `write` applied through a DataView. */
export function patched(frame: Uint8Array, write: (view: DataView) => void): Uint8Array {
  const copy = frame.slice();
  write(new DataView(copy.buffer, copy.byteOffset, copy.byteLength));
  return copy;
}

/** How many field slots the vtable of the table at `tablePos` has. */
export function vtableSlots(frame: Uint8Array, tablePos: number): number {
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const vtable = tablePos - view.getInt32(tablePos, true);
  return (view.getUint16(vtable, true) - 4) / 2;
}
