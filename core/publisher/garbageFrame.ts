/**
 * `garbageFrame()`: an invalid frame of a given kind, built from a real candle message so that it looks as close
 * to a good one as the kind allows. Every kind must be rejected by `decodeFrame()` (with the reason noted on each
 * case below): it exercises the subscriber's rejection path, never its cache.
 */
import { encodeEnvelope } from "../wire/encode.ts";
import { type Candle, type Envelope, SCHEMA_VERSION } from "../wire/types.ts";
import type { GarbageKind } from "./createFaultInjector.ts";

/** The header and one candle of the message the garbage stands next to. */
export interface GarbageSample {
  envelope: Omit<Envelope, "payload" | "schemaVersion">;
  interval: string;
  candle: Candle;
}

/** Field indices of schema/market_data.fbs that the byte patches below need. */
const ENVELOPE_PAYLOAD_FIELD = 7;
const CANDLE_BATCH_CANDLES_FIELD = 1;

/** `random` returns numbers in [0, 1); the frame is a pure function of its results. */
export function garbageFrame(kind: GarbageKind, sample: GarbageSample, random: () => number): Uint8Array {
  const candleFrame = (candle: Candle, schemaVersion = SCHEMA_VERSION): Uint8Array =>
    encodeEnvelope({
      ...sample.envelope,
      schemaVersion,
      payload: { kind: "candles", interval: sample.interval, candles: [candle], lastIsPartial: false },
    });
  switch (kind) {
    case "random_bytes": {
      // too_short or bad_identifier: byte 4 is never "M", so the identifier can never match by chance.
      const bytes = new Uint8Array(8 + Math.floor(random() * 120));
      for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(random() * 256);
      bytes[4] = 0;
      return bytes;
    }
    case "truncated": {
      // out_of_bounds: the root table's fields point past the end.
      const frame = candleFrame(sample.candle);
      return frame.slice(0, Math.max(12, Math.floor(frame.length / 3)));
    }
    case "wrong_identifier": {
      // bad_identifier.
      const frame = candleFrame(sample.candle);
      frame.set([0x58, 0x58, 0x58, 0x58], 4);
      return frame;
    }
    case "future_version":
      // unsupported_version.
      return candleFrame(sample.candle, SCHEMA_VERSION + 1);
    case "absurd_length": {
      // out_of_bounds: the candle vector claims 2^31 - 1 elements.
      const frame = candleFrame(sample.candle);
      const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
      const root = view.getUint32(0, true);
      const batch = offsetTarget(view, root, ENVELOPE_PAYLOAD_FIELD);
      const vector = offsetTarget(view, batch, CANDLE_BATCH_CANDLES_FIELD);
      view.setUint32(vector, 0x7fffffff, true);
      return frame;
    }
    case "nan_price":
      // invalid_values.
      return candleFrame({ ...sample.candle, close: NaN });
    case "high_below_low": {
      // invalid_values: high < low (and the body outside both).
      const { high, low } = sample.candle;
      const spread = Math.max(high - low, Math.abs(high) * 1e-3, 1e-6);
      return candleFrame({ ...sample.candle, high: low - spread, low: high + spread });
    }
  }
}

/** Where the offset field `index` of the table at `table` points (the frame is our own, so no bounds checks). */
function offsetTarget(view: DataView, table: number, index: number): number {
  const vtable = table - view.getInt32(table, true);
  const field = table + view.getUint16(vtable + 4 + index * 2, true);
  return field + view.getUint32(field, true);
}
