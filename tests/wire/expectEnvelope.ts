import assert from "node:assert/strict";
import type { DecodeResult, Envelope } from "../../core/wire/types.ts";

/** The envelope of an accepted frame; a rejection fails the test with its reason and message. */
export function expectEnvelope(result: DecodeResult): Envelope {
  if (result.kind === "rejected") assert.fail(`expected an envelope, got ${result.reason}: ${result.message}`);
  return result.envelope;
}
