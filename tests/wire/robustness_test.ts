/**
 * decodeFrame() faces whatever arrives on the socket. Every truncation and tens of thousands of seeded random
 * corruptions of valid frames must come back as a value, never an exception, and whatever is accepted must
 * still satisfy the invariants the rest of the app relies on.
 */
import assert from "node:assert/strict";
import {
  decodeFrame,
  type DecodeResult,
  encodeEnvelope,
  type Envelope,
  type RejectReason,
  SCHEMA_VERSION,
} from "../../core/wire/mod.ts";
import { PAYLOAD_KINDS, SAMPLE_HEADER, sampleCandles, sampleEnvelope } from "./sampleEnvelope.ts";

const REASONS: ReadonlySet<RejectReason> = new Set([
  "too_short",
  "bad_identifier",
  "unsupported_version",
  "out_of_bounds",
  "missing_field",
  "missing_payload",
  "unknown_payload",
  "bad_utf8",
  "invalid_values",
]);
const SIDES = new Set(["unknown", "buy", "sell"]);
const STATUSES = new Set(["ok", "not_found", "bad_request", "too_large", "unavailable"]);
const U64_LIMIT = 2n ** 64n;
const I64_LIMIT = 2n ** 63n;

const BASE_ENVELOPES: Envelope[] = [
  ...PAYLOAD_KINDS.map((kind) => sampleEnvelope(kind)),
  { ...SAMPLE_HEADER, payload: { kind: "candles", interval: "1m", candles: sampleCandles(12), lastIsPartial: true } },
];
const BASE_FRAMES = BASE_ENVELOPES.map(encodeEnvelope);

/** xorshift32: small, fast, and the same sequence on every run and machine. */
function createPrng(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state;
  };
}

/** Bytes that tend to hit edge cases: zero, sign bits, all ones, small offsets. */
const INTERESTING_BYTES = [0x00, 0x01, 0x04, 0x08, 0x7f, 0x80, 0xfe, 0xff];

/** 1–8 bytes of `frame`, each flipped by a random mask or overwritten with a random or edge value. */
function mutate(frame: Uint8Array, next: () => number): Uint8Array {
  const copy = frame.slice();
  const edits = 1 + (next() % 8);
  for (let e = 0; e < edits; e++) {
    const at = next() % copy.length;
    switch (next() % 3) {
      case 0:
        copy[at] ^= 1 + (next() % 255);
        break;
      case 1:
        copy[at] = next() & 0xff;
        break;
      default:
        copy[at] = INTERESTING_BYTES[next() % INTERESTING_BYTES.length];
    }
  }
  return copy;
}

/** Decodes without letting an exception escape, and checks whatever comes back. */
function decodeChecked(frame: Uint8Array, what: string): DecodeResult {
  let result: DecodeResult;
  try {
    result = decodeFrame(frame);
  } catch (error) {
    assert.fail(`decodeFrame() threw on ${what}: ${error instanceof Error ? error.stack : error}`);
  }
  if (result.kind === "rejected") {
    assert.ok(REASONS.has(result.reason), `${what}: unknown reason ${result.reason}`);
    assert.ok(result.message.length > 0, `${what}: empty message`);
    // decodeFrame() reports its own bugs (an exception its checks should have prevented) as "unexpected".
    assert.doesNotMatch(result.message, /: unexpected /, `${what}: a bounds check is missing: ${result.message}`);
  } else {
    checkInvariants(result.envelope, what);
  }
  return result;
}

function isSafeCount(n: unknown): boolean {
  return Number.isSafeInteger(n) && (n as number) >= 0;
}

function checkInvariants(envelope: Envelope, what: string): void {
  const fail = (detail: string): never => assert.fail(`${what}: accepted an envelope with ${detail}`);
  if (!(envelope.schemaVersion <= SCHEMA_VERSION)) fail(`schema_version ${envelope.schemaVersion}`);
  if (typeof envelope.source !== "string" || typeof envelope.symbol !== "string") fail("a non-string header");
  if (!isSafeCount(envelope.seq)) fail(`seq ${envelope.seq}`);
  if (envelope.epoch < 0n || envelope.epoch >= U64_LIMIT) fail(`epoch ${envelope.epoch}`);
  if (envelope.sourceTsNs < -I64_LIMIT || envelope.sourceTsNs >= I64_LIMIT) fail(`sourceTsNs ${envelope.sourceTsNs}`);
  const p = envelope.payload;
  switch (p.kind) {
    case "candles": {
      if (typeof p.interval !== "string" || p.interval.length === 0) fail("no interval");
      if (typeof p.lastIsPartial !== "boolean") fail("a non-boolean lastIsPartial");
      let previous = -Infinity;
      p.candles.forEach((c, i) => {
        const ok = Number.isSafeInteger(c.openTimeMs) && c.openTimeMs > previous &&
          [c.open, c.high, c.low, c.close, c.volume].every(Number.isFinite) &&
          c.low <= c.open && c.open <= c.high && c.low <= c.close && c.close <= c.high && c.volume >= 0;
        if (!ok) fail(`candle ${i} ${JSON.stringify(c)} after open time ${previous}`);
        previous = c.openTimeMs;
      });
      break;
    }
    case "ticks":
      p.ticks.forEach((t, i) => {
        if (![t.bid, t.ask, t.bidSize, t.askSize].every(Number.isFinite) || t.bidSize < 0 || t.askSize < 0) {
          fail(`tick ${i} bid ${t.bid} x ${t.bidSize} ask ${t.ask} x ${t.askSize}`);
        }
        if (typeof t.tsNs !== "bigint") fail(`tick ${i} without a bigint time`);
      });
      break;
    case "trades":
      p.trades.forEach((t, i) => {
        if (!Number.isFinite(t.price) || !Number.isFinite(t.size) || t.size < 0 || !SIDES.has(t.side)) {
          fail(`trade ${i} price ${t.price} size ${t.size} side ${t.side}`);
        }
        if (t.tradeId < 0n || t.tradeId >= U64_LIMIT) fail(`trade ${i} id ${t.tradeId}`);
      });
      break;
    case "heartbeat":
      p.cursors.forEach((c, i) => {
        if (typeof c.topic !== "string" || !isSafeCount(c.seq)) fail(`cursor ${i} ${c.topic} ${c.seq}`);
      });
      break;
    case "backfill_request":
      if (typeof p.topic !== "string") fail("a backfill request without a topic");
      if (!isSafeCount(p.fromSeq) || !isSafeCount(p.toSeq)) fail(`seqs ${p.fromSeq}..${p.toSeq}`);
      if (!Number.isSafeInteger(p.fromMs) || !Number.isSafeInteger(p.toMs)) fail(`times ${p.fromMs}..${p.toMs}`);
      break;
    case "backfill_reply":
      if (!STATUSES.has(p.status) || typeof p.message !== "string") fail(`status ${p.status}`);
      if (!Number.isInteger(p.count) || p.count < 0 || p.count > 0xffff_ffff) fail(`count ${p.count}`);
      break;
    default:
      fail(`payload kind ${(p as { kind: unknown }).kind}`);
  }
}

Deno.test("decodeFrame() returns a value for every truncation of a valid frame of each kind", async (t) => {
  for (const [i, frame] of BASE_FRAMES.entries()) {
    const name = `${BASE_ENVELOPES[i].payload.kind} frame of ${frame.length} bytes`;
    await t.step(name, () => {
      for (let length = 0; length < frame.length; length++) {
        decodeChecked(frame.subarray(0, length), `${name} cut to ${length} bytes`);
      }
      // The whole frame is the control: it must still be accepted as-is.
      assert.deepEqual(decodeChecked(frame, name), { kind: "envelope", envelope: BASE_ENVELOPES[i] });
    });
  }
});

Deno.test("decodeFrame() survives 70,000 seeded random corruptions of valid frames", () => {
  const MUTATIONS_PER_FRAME = 10_000;
  const next = createPrng(0x5eed_f1a7);
  const counts = { accepted: 0, rejected: 0 };
  const reasons = new Set<string>();
  for (const [i, frame] of BASE_FRAMES.entries()) {
    for (let m = 0; m < MUTATIONS_PER_FRAME; m++) {
      const mutated = mutate(frame, next);
      const result = decodeChecked(mutated, `mutation ${m} of base frame ${i} (${BASE_ENVELOPES[i].payload.kind})`);
      counts[result.kind === "envelope" ? "accepted" : "rejected"]++;
      if (result.kind === "rejected") reasons.add(result.reason);
    }
  }
  assert.equal(counts.accepted + counts.rejected, MUTATIONS_PER_FRAME * BASE_FRAMES.length);
  // Both paths must be exercised, or the loop above checked nothing.
  assert.ok(counts.accepted > 1_000, `only ${counts.accepted} mutated frames were accepted`);
  assert.ok(counts.rejected > 1_000, `only ${counts.rejected} mutated frames were rejected`);
  for (const reason of ["bad_identifier", "out_of_bounds", "invalid_values", "bad_utf8", "unknown_payload"]) {
    assert.ok(reasons.has(reason), `no mutation was rejected as ${reason}; reasons seen: ${[...reasons].join(", ")}`);
  }
});
