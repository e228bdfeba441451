/**
 * One frame per way a frame can be bad, grouped by the reason it is counted under. Each case also checks the
 * message names what failed and the offending value, since that message is all an operator sees.
 */
import assert from "node:assert/strict";
import { type Candle, decodeFrame, encodeEnvelope, type Envelope, type RejectReason } from "../../core/wire/mod.ts";
import { frameLayout, patched } from "./frameLayout.ts";
import {
  PAYLOAD_TYPE,
  rawBackfillRequest,
  rawCandleBatch,
  rawEnvelope,
  rawHeartbeat,
  rawNewerMember,
  rawTradeBatch,
} from "./rawFrames.ts";
import { SAMPLE_HEADER, sampleCandles, sampleEnvelope } from "./sampleEnvelope.ts";

type Case = [name: string, frame: () => Uint8Array, messageMustMatch: RegExp[]];

const candlesFrame = encodeEnvelope(sampleEnvelope("candles"));
const candlesLayout = frameLayout(candlesFrame);
const heartbeatFrame = encodeEnvelope(sampleEnvelope("heartbeat"));
const heartbeatLayout = frameLayout(heartbeatFrame);
const N = candlesFrame.length;

function withCandles(candles: Candle[]): Uint8Array {
  return encodeEnvelope({
    ...SAMPLE_HEADER,
    payload: { kind: "candles", interval: "1m", candles, lastIsPartial: false },
  });
}

/** The sample candles with candle `index` changed. */
function withCandle(index: number, change: Partial<Candle>): Uint8Array {
  const candles = sampleCandles(3);
  candles[index] = { ...candles[index], ...change };
  return withCandles(candles);
}

function withHeader(change: Partial<Envelope>): Uint8Array {
  return encodeEnvelope({ ...sampleEnvelope("ticks"), ...change });
}

/** The symbol "AAPL" with its bytes replaced by `bytes` (same length, so the layout holds). */
function withSymbolBytes(bytes: number[]): Uint8Array {
  return patched(candlesFrame, (view) => bytes.forEach((b, i) => view.setUint8(candlesLayout.symbolPos + 4 + i, b)));
}

const CASES: Record<RejectReason, Case[]> = {
  too_short: [
    ["an empty frame", () => new Uint8Array(0), [/\b0 bytes\b/, /at least 12\b/]],
    ["11 bytes of a valid frame", () => candlesFrame.slice(0, 11), [/\b11 bytes\b/, /at least 12\b/]],
  ],
  bad_identifier: [
    ["a JSON text", () => new TextEncoder().encode('{"kind":"candles","seq":1}'), [/is "nd\\":"/, /"MKTD"/]],
    ["another schema's identifier", () => rawEnvelope({ identifier: "MKTE" }), [/"MKTE"/, /"MKTD"/]],
  ],
  unsupported_version: [
    ["schema_version 2", () => withHeader({ schemaVersion: 2 }), [/schema_version is 2\b/, /up to 1\b/]],
  ],
  out_of_bounds: [
    ["root table offset past the end", () => patched(candlesFrame, (v) => v.setUint32(0, N + 100, true)), [
      /Envelope table/,
      new RegExp(`at ${N + 100}\\b`),
      new RegExp(`${N}-byte frame`),
    ]],
    [
      "root vtable far after the frame",
      () => patched(candlesFrame, (v) => v.setInt32(candlesLayout.rootPos, -65_536, true)),
      [/Envelope vtable/, new RegExp(`at ${candlesLayout.rootPos + 65_536}\\b`)],
    ],
    [
      "root vtable before the start of the frame",
      () => patched(candlesFrame, (v) => v.setInt32(candlesLayout.rootPos, candlesLayout.rootPos + 4, true)),
      [/Envelope vtable/, /at -4\b/],
    ],
    [
      "root vtable claiming 65532 bytes",
      () => patched(candlesFrame, (v) => v.setUint16(candlesLayout.rootVtablePos, 65_532, true)),
      [/Envelope vtable/, /65532 bytes/],
    ],
    [
      "payload table whose vtable lies outside",
      () => patched(candlesFrame, (v) => v.setInt32(candlesLayout.payloadPos, -N, true)),
      [/CandleBatch vtable/, new RegExp(`at ${candlesLayout.payloadPos + N}\\b`)],
    ],
    [
      "candle vector claiming 2^32-1 candles",
      () => patched(candlesFrame, (v) => v.setUint32(candlesLayout.firstVectorPos!, 0xffff_ffff, true)),
      [/CandleBatch/, /\bcandles\b/, /4294967295 elements of 48 bytes/],
    ],
    [
      "candle vector one candle longer than the frame holds",
      () => patched(candlesFrame, (v) => v.setUint32(candlesLayout.firstVectorPos!, 4, true)),
      [/\bcandles\b/, /claims 4 elements/],
    ],
    [
      "heartbeat cursor vector claiming 10^9 cursors",
      () => patched(heartbeatFrame, (v) => v.setUint32(heartbeatLayout.firstVectorPos!, 1e9, true)),
      [/Heartbeat/, /\bcursors\b/, /1000000000 elements/],
    ],
    [
      "symbol string running past the end",
      () => patched(candlesFrame, (v) => v.setUint32(candlesLayout.symbolPos, 100_000, true)),
      [/\bsymbol\b/, /100000 bytes/, /runs past/],
    ],
    [
      "interval string without room for its NUL terminator",
      () =>
        patched(candlesFrame, (v) => v.setUint32(candlesLayout.intervalPos!, N - candlesLayout.intervalPos! - 4, true)),
      [/\binterval\b/, /runs past/],
    ],
  ],
  missing_field: [
    ["CandleBatch without its interval", () =>
      rawEnvelope({
        payloadType: PAYLOAD_TYPE.candleBatch,
        payload: rawCandleBatch({ interval: null, candles: sampleCandles(2) }),
      }), [/CandleBatch/, /\binterval\b/]],
    ["CandleBatch without its candles", () =>
      rawEnvelope({
        payloadType: PAYLOAD_TYPE.candleBatch,
        payload: rawCandleBatch({ interval: "1m", candles: null }),
      }), [/CandleBatch/, /\bcandles\b/]],
    ["BackfillRequest without its topic", () =>
      rawEnvelope({
        payloadType: PAYLOAD_TYPE.backfillRequest,
        payload: rawBackfillRequest({ topic: null, fromSeq: 3n }),
      }), [/BackfillRequest/, /\btopic\b/]],
    ["StreamCursor without its topic", () =>
      rawEnvelope({
        payloadType: PAYLOAD_TYPE.heartbeat,
        payload: rawHeartbeat([{ topic: "tick.AAPL", seq: 4n }, { topic: null, seq: 9n }]),
      }), [/StreamCursor/, /\btopic\b/]],
  ],
  missing_payload: [
    ["no payload at all", () => rawEnvelope({}), [/no payload/]],
    ["a payload type but no payload table", () => rawEnvelope({ payloadType: PAYLOAD_TYPE.candleBatch }), [
      /no payload/,
    ]],
    ["a payload table with type NONE", () =>
      rawEnvelope({
        payloadType: PAYLOAD_TYPE.none,
        payload: rawCandleBatch({ interval: "1m", candles: sampleCandles(1) }),
      }), [/no payload/]],
  ],
  unknown_payload: [
    ["union member 7", () => rawEnvelope({ payloadType: PAYLOAD_TYPE.newerMember, payload: rawNewerMember() }), [
      /payload type 7\b/,
    ]],
    ["union member 255", () =>
      rawEnvelope({
        payloadType: 255,
        payload: rawCandleBatch({ interval: "1m", candles: sampleCandles(1) }),
      }), [/payload type 255\b/]],
  ],
  bad_utf8: [
    ["an invalid byte in the symbol", () => withSymbolBytes([0x41, 0xff, 0x50, 0x4c]), [/Envelope/, /\bsymbol\b/]],
    ["an overlong encoding in the symbol", () => withSymbolBytes([0xc0, 0x80, 0x50, 0x4c]), [/\bsymbol\b/]],
    ["a lone surrogate in the symbol", () => withSymbolBytes([0xed, 0xa0, 0x80, 0x4c]), [/\bsymbol\b/]],
  ],
  invalid_values: [
    ["a NaN open", () => withCandle(1, { open: Number.NaN }), [/candle 1 of AAPL 1m/, /open NaN/]],
    ["an infinite high", () => withCandle(0, { high: Infinity }), [/candle 0\b/, /high Infinity/]],
    ["a -Infinity low", () => withCandle(2, { low: -Infinity }), [/candle 2\b/, /low -Infinity/]],
    ["high below low", () => withCandle(0, { open: 1.5, close: 1.5, high: 1, low: 2 }), [/high 1, low 2\b/]],
    ["open above high", () => withCandle(1, { open: 500 }), [/candle 1\b/, /open 500\b/]],
    ["close below low", () => withCandle(1, { close: 1 }), [/candle 1\b/, /close 1\b/]],
    ["negative volume", () => withCandle(2, { volume: -1 }), [/candle 2\b/, /volume -1\b/]],
    ["NaN volume", () => withCandle(2, { volume: Number.NaN }), [/volume NaN/]],
    ["infinite volume", () => withCandle(2, { volume: Infinity }), [/volume Infinity/]],
    ["a repeated open time", () => {
      const candles = sampleCandles(3);
      candles[2].openTimeMs = candles[1].openTimeMs;
      return withCandles(candles);
    }, [/candle 2\b/, new RegExp(`opens at ${sampleCandles(3)[1].openTimeMs} ms`), /ascend/]],
    ["descending open times", () => withCandles(sampleCandles(3).reverse()), [/candle 1\b/, /ascend/]],
    ["an empty interval", () =>
      rawEnvelope({
        payloadType: PAYLOAD_TYPE.candleBatch,
        payload: rawCandleBatch({ interval: "", candles: sampleCandles(1) }),
      }), [/empty interval/]],
    ["seq 2^53", () => withHeader({ seq: 2 ** 53 }), [/\bseq 9007199254740992 exceeds 2\^53 - 1/]],
    ["seq 2^64-1", () => rawEnvelope({ seq: 2n ** 64n - 1n, payloadType: PAYLOAD_TYPE.heartbeat }), [
      /\bseq 18446744073709551615\b/,
    ]],
    ["a heartbeat cursor seq above 2^53-1", () =>
      rawEnvelope({
        payloadType: PAYLOAD_TYPE.heartbeat,
        payload: rawHeartbeat([{ topic: "tick.AAPL", seq: 2n ** 53n + 5n }]),
      }), [/9007199254740997/]],
    ["a NaN tick bid", () =>
      encodeEnvelope({
        ...SAMPLE_HEADER,
        payload: { kind: "ticks", ticks: [{ tsNs: 1n, bid: Number.NaN, ask: 1, bidSize: 1, askSize: 1 }] },
      }), [/tick 0 of AAPL/, /bid NaN/]],
    ["a negative tick size", () =>
      encodeEnvelope({
        ...SAMPLE_HEADER,
        payload: { kind: "ticks", ticks: [{ tsNs: 1n, bid: 1, ask: 1, bidSize: 1, askSize: -3 }] },
      }), [/tick 0\b/, /ask 1 x -3\b/]],
    ["an infinite trade price", () =>
      rawEnvelope({
        payloadType: PAYLOAD_TYPE.tradeBatch,
        payload: rawTradeBatch([{ tsNs: 1n, price: -Infinity, size: 1, tradeId: 1n, sideCode: 1 }]),
      }), [/trade 0\b/, /price -Infinity/]],
    ["a negative trade size", () =>
      rawEnvelope({
        payloadType: PAYLOAD_TYPE.tradeBatch,
        payload: rawTradeBatch([{ tsNs: 1n, price: 1, size: -0.5, tradeId: 1n, sideCode: 1 }]),
      }), [/trade 0\b/, /size -0.5\b/]],
    ["an open time beyond the safe-integer range", () =>
      rawEnvelope({
        payloadType: PAYLOAD_TYPE.candleBatch,
        payload: rawCandleBatch({
          interval: "1m",
          candles: [{ openTimeMs: 2 ** 60, open: 1, high: 1, low: 1, close: 1, volume: 1 }],
        }),
      }), [/open_time_ms 1152921504606846976\b/]],
  ],
};

for (const [reason, cases] of Object.entries(CASES)) {
  Deno.test(`decodeFrame() rejects frames as ${reason}, naming what failed`, async (t) => {
    for (const [name, frame, patterns] of cases) {
      await t.step(name, () => {
        const result = decodeFrame(frame());
        assert.equal(result.kind, "rejected", `expected a rejection for ${name}, the frame was accepted`);
        assert.equal(result.reason, reason, result.message);
        for (const pattern of patterns) assert.match(result.message, pattern);
      });
    }
  });
}
