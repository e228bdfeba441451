/**
 * Reads a VALID frame with the flatc-generated accessors (no bounds checks, no validation) into the domain
 * shape, so tests can check that the hand-written decoder and the generated code agree on the layout.
 */
import * as flatbuffers from "flatbuffers";
import {
  BackfillReply,
  BackfillRequest,
  CandleBatch,
  Envelope as FbEnvelope,
  Heartbeat,
  Payload as FbPayload,
  TickBatch,
  TradeBatch,
} from "../../schema/market_data_generated.ts";
import type { Envelope, Payload, Side, Status } from "../../core/wire/types.ts";

const SIDES: readonly Side[] = ["unknown", "buy", "sell"];
const STATUSES: readonly Status[] = ["ok", "not_found", "bad_request", "too_large", "unavailable"];
// The runtime's own TextDecoder drops a leading U+FEFF; read bytes and keep it, as the wire carries it.
const utf8 = new TextDecoder("utf-8", { ignoreBOM: true });

type StringReader = (encoding: flatbuffers.Encoding) => string | Uint8Array | null;

function text(read: StringReader): string | null {
  const bytes = read(flatbuffers.Encoding.UTF8_BYTES);
  return bytes === null ? null : utf8.decode(bytes as Uint8Array);
}

export function readGenerated(frame: Uint8Array): Envelope {
  const bb = new flatbuffers.ByteBuffer(frame);
  if (!FbEnvelope.bufferHasIdentifier(bb)) throw new Error("readGenerated: frame lacks the MKTD identifier");
  const root = FbEnvelope.getRootAsEnvelope(bb);
  return {
    schemaVersion: root.schemaVersion(),
    source: text((e) => root.source(e)) ?? "",
    epoch: root.epoch(),
    seq: Number(root.seq()),
    symbol: text((e) => root.symbol(e)) ?? "",
    sourceTsNs: root.sourceTsNs(),
    payload: readPayload(root),
  };
}

function readPayload(root: FbEnvelope): Payload {
  switch (root.payloadType()) {
    case FbPayload.CandleBatch: {
      const batch: CandleBatch = root.payload(new CandleBatch());
      return {
        kind: "candles",
        interval: text((e) => batch.interval(e)) ?? "",
        candles: Array.from({ length: batch.candlesLength() }, (_, i) => {
          const c = batch.candles(i)!;
          return {
            openTimeMs: Number(c.openTimeMs()),
            open: c.open(),
            high: c.high(),
            low: c.low(),
            close: c.close(),
            volume: c.volume(),
          };
        }),
        lastIsPartial: batch.lastIsPartial(),
      };
    }
    case FbPayload.TickBatch: {
      const batch: TickBatch = root.payload(new TickBatch());
      return {
        kind: "ticks",
        ticks: Array.from({ length: batch.ticksLength() }, (_, i) => {
          const t = batch.ticks(i)!;
          return { tsNs: t.tsNs(), bid: t.bid(), ask: t.ask(), bidSize: t.bidSize(), askSize: t.askSize() };
        }),
      };
    }
    case FbPayload.TradeBatch: {
      const batch: TradeBatch = root.payload(new TradeBatch());
      return {
        kind: "trades",
        trades: Array.from({ length: batch.tradesLength() }, (_, i) => {
          const t = batch.trades(i)!;
          return {
            tsNs: t.tsNs(),
            price: t.price(),
            size: t.size(),
            tradeId: t.tradeId(),
            side: SIDES[t.side()] ?? "unknown",
          };
        }),
      };
    }
    case FbPayload.Heartbeat: {
      const hb: Heartbeat = root.payload(new Heartbeat());
      return {
        kind: "heartbeat",
        cursors: Array.from({ length: hb.cursorsLength() }, (_, i) => {
          const c = hb.cursors(i)!;
          return { topic: text((e) => c.topic(e)) ?? "", seq: Number(c.seq()) };
        }),
      };
    }
    case FbPayload.BackfillRequest: {
      const r: BackfillRequest = root.payload(new BackfillRequest());
      return {
        kind: "backfill_request",
        requestId: r.requestId(),
        topic: text((e) => r.topic(e)) ?? "",
        fromSeq: Number(r.fromSeq()),
        toSeq: Number(r.toSeq()),
        fromMs: Number(r.fromMs()),
        toMs: Number(r.toMs()),
      };
    }
    case FbPayload.BackfillReply: {
      const r: BackfillReply = root.payload(new BackfillReply());
      return {
        kind: "backfill_reply",
        requestId: r.requestId(),
        status: STATUSES[r.status()],
        message: text((e) => r.message(e)) ?? "",
        count: r.count(),
      };
    }
    default:
      throw new Error(`readGenerated: payload type ${root.payloadType()} is not one the generated code knows`);
  }
}
