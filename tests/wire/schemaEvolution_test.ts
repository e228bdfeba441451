/**
 * Frames as other writers build them (see ../shared/WIRE.md, "Versioning"): a newer schema appends table
 * fields and union members, an older or terser writer leaves defaults out. Built with the raw Builder API,
 * so these cases need neither flatc nor a second copy of the schema.
 */
import assert from "node:assert/strict";
import { decodeFrame, type Envelope } from "../../core/wire/mod.ts";
import { expectEnvelope } from "./expectEnvelope.ts";
import { frameLayout, vtableSlots } from "./frameLayout.ts";
import { PAYLOAD_TYPE, rawBackfillReply, rawCandleBatch, rawEnvelope, rawNewerMember } from "./rawFrames.ts";
import { sampleCandles } from "./sampleEnvelope.ts";

const candles = sampleCandles(5);

const expectedHeader = {
  schemaVersion: 1,
  source: "flux-next",
  epoch: 1_700_000_000_000n,
  seq: 12,
  symbol: "AAPL",
  sourceTsNs: 1_700_000_000_000_000_000n,
} satisfies Omit<Envelope, "payload">;

const header = {
  source: expectedHeader.source,
  epoch: expectedHeader.epoch,
  seq: BigInt(expectedHeader.seq),
  symbol: expectedHeader.symbol,
  sourceTsNs: expectedHeader.sourceTsNs,
};

Deno.test("decodeFrame() reads the known fields of frames from a newer schema that appended fields", async (t) => {
  const expected: Envelope = {
    ...expectedHeader,
    payload: { kind: "candles", interval: "1m", candles, lastIsPartial: true },
  };
  const cases: [string, Parameters<typeof rawEnvelope>[0], slots: { envelope: number; batch: number }][] = [
    ["venue and vwap appended to CandleBatch", {
      ...header,
      payloadType: PAYLOAD_TYPE.candleBatch,
      payload: rawCandleBatch({ interval: "1m", candles, lastIsPartial: true, venue: "XNAS", vwap: 190.123 }),
    }, { envelope: 8, batch: 5 }],
    ["trace_id and region appended to Envelope", {
      ...header,
      payloadType: PAYLOAD_TYPE.candleBatch,
      payload: rawCandleBatch({ interval: "1m", candles, lastIsPartial: true }),
      traceId: 2n ** 64n - 1n,
      region: "eu-west-1",
    }, { envelope: 10, batch: 3 }],
    ["fields appended to both", {
      ...header,
      payloadType: PAYLOAD_TYPE.candleBatch,
      payload: rawCandleBatch({ interval: "1m", candles, lastIsPartial: true, venue: "東証", vwap: Number.NaN }),
      traceId: 7n,
      region: "",
    }, { envelope: 10, batch: 5 }],
  ];
  for (const [name, fields, slots] of cases) {
    await t.step(name, () => {
      const frame = rawEnvelope(fields);
      // The frame really carries the newer layout: longer vtables than today's schema has.
      const layout = frameLayout(frame);
      assert.deepEqual(
        { envelope: vtableSlots(frame, layout.rootPos), batch: vtableSlots(frame, layout.payloadPos) },
        slots,
      );
      assert.deepEqual(expectEnvelope(decodeFrame(frame)), expected);
    });
  }
});

Deno.test("decodeFrame() rejects a union member appended by a newer schema as unknown_payload", () => {
  const result = decodeFrame(
    rawEnvelope({ ...header, payloadType: PAYLOAD_TYPE.newerMember, payload: rawNewerMember() }),
  );
  assert.equal(result.kind, "rejected");
  assert.equal(result.reason, "unknown_payload");
  assert.match(result.message, /payload type 7\b/);
});

Deno.test("decodeFrame() rejects schema_version 2 as unsupported_version, whatever it carries", async (t) => {
  const cases: [string, Parameters<typeof rawEnvelope>[0]][] = [
    ["a payload this reader knows", {
      ...header,
      schemaVersion: 2,
      payloadType: PAYLOAD_TYPE.candleBatch,
      payload: rawCandleBatch({ interval: "1m", candles }),
    }],
    ["appended fields and a new union member", {
      ...header,
      schemaVersion: 2,
      payloadType: PAYLOAD_TYPE.newerMember,
      payload: rawNewerMember(),
      traceId: 1n,
    }],
    ["the largest version", { ...header, schemaVersion: 65535, payloadType: PAYLOAD_TYPE.candleBatch }],
  ];
  for (const [name, fields] of cases) {
    await t.step(name, () => {
      const result = decodeFrame(rawEnvelope(fields));
      assert.equal(result.kind, "rejected");
      assert.equal(result.reason, "unsupported_version");
      assert.match(result.message, new RegExp(`schema_version is ${fields.schemaVersion}\\b`));
      assert.match(result.message, /up to 1\b/);
    });
  }
});

Deno.test("decodeFrame() reads fields a writer left out as their schema defaults", async (t) => {
  await t.step("absent schema_version is 1", () => {
    const envelope = expectEnvelope(decodeFrame(rawEnvelope({
      ...header,
      schemaVersion: null,
      payloadType: PAYLOAD_TYPE.candleBatch,
      payload: rawCandleBatch({ interval: "1m", candles, lastIsPartial: false }),
    })));
    assert.equal(envelope.schemaVersion, 1);
    assert.deepEqual(envelope, {
      ...expectedHeader,
      payload: { kind: "candles", interval: "1m", candles, lastIsPartial: false },
    });
  });
  await t.step("absent last_is_partial is false, absent source and symbol are empty", () => {
    const envelope = expectEnvelope(decodeFrame(rawEnvelope({
      ...header,
      source: null,
      symbol: null,
      payloadType: PAYLOAD_TYPE.candleBatch,
      payload: rawCandleBatch({ interval: "1m", candles }),
    })));
    assert.deepEqual(envelope, {
      ...expectedHeader,
      source: "",
      symbol: "",
      payload: { kind: "candles", interval: "1m", candles, lastIsPartial: false },
    });
  });
});

Deno.test("decodeFrame() rejects a backfill status this reader does not know instead of guessing", () => {
  // Unlike Side, a status drives what the client does next; a wrong guess would drop or repeat a backfill.
  const result = decodeFrame(rawEnvelope({
    ...header,
    payloadType: PAYLOAD_TYPE.backfillReply,
    payload: rawBackfillReply({ statusCode: 5, message: "throttled" }),
  }));
  assert.equal(result.kind, "rejected");
  assert.equal(result.reason, "invalid_values");
  assert.match(result.message, /status 5\b/);
});
