/**
 * `createFaultInjector()`: the seeded coin flips behind the publisher's chaos flags (`--drop-rate`, `--dup-rate`,
 * `--reorder-rate`, `--garbage-rate`, `--seed`). Pure: no I/O, no clock; the same seed gives the same decisions in
 * the same order, so a chaos run repeats.
 */
import { createRng } from "../market/createRng.ts";
import { mixSeeds } from "../market/mixSeeds.ts";

/** The kinds of invalid frame the publisher sends when garbage is due, in the order it cycles through them. */
export const GARBAGE_KINDS = [
  "random_bytes",
  "truncated",
  "wrong_identifier",
  "future_version",
  "absurd_length",
  "nan_price",
  "high_below_low",
] as const;

export type GarbageKind = typeof GARBAGE_KINDS[number];

export interface FaultOptions {
  /** Share of data messages that get their seq but are never sent: a gap. 0..1. */
  dropRate: number;
  /** Share sent twice (the same bytes, the same seq). 0..1. */
  dupRate: number;
  /** Share swapped with the next message of the same topic. 0..1. */
  reorderRate: number;
  /** Share of candle messages preceded by an invalid frame on the same topic (it takes no seq). 0..1. */
  garbageRate: number;
  /** Integer in 0..2^53-1. */
  seed: number;
}

export interface FaultDecision {
  drop: boolean;
  duplicate: boolean;
  reorder: boolean;
  /** The kind of invalid frame to send before this message, or null. */
  garbage: GarbageKind | null;
}

export interface FaultInjector {
  /** False when every rate is 0: `decide()` then never faults and draws nothing. */
  readonly active: boolean;
  /** The fate of the next data message. Always draws four numbers, so one decision never shifts the next. */
  decide(): FaultDecision;
  /** A seeded number in [0, 1), for the contents of garbage frames. */
  nextFloat(): number;
}

export const NO_FAULTS: FaultOptions = { dropRate: 0, dupRate: 0, reorderRate: 0, garbageRate: 0, seed: 1 };

const GARBAGE_SALT = 0x6761726b;

const NO_FAULT: FaultDecision = Object.freeze({ drop: false, duplicate: false, reorder: false, garbage: null });

export function createFaultInjector(options: FaultOptions): FaultInjector {
  for (const name of ["dropRate", "dupRate", "reorderRate", "garbageRate"] as const) {
    const rate = options[name];
    if (!(rate >= 0 && rate <= 1)) {
      throw new RangeError(`Cannot inject faults: ${name} must be a number in 0..1, got ${rate}`);
    }
  }
  const rng = createRng(options.seed);
  // Garbage contents draw from their own stream, so building a frame never shifts the decisions after it.
  const contentRng = createRng(mixSeeds(options.seed, GARBAGE_SALT));
  const { dropRate, dupRate, reorderRate, garbageRate } = options;
  const active = dropRate > 0 || dupRate > 0 || reorderRate > 0 || garbageRate > 0;
  let garbageCount = 0;

  function decide(): FaultDecision {
    if (!active) return NO_FAULT;
    const drop = rng.nextFloat() < dropRate;
    const duplicate = rng.nextFloat() < dupRate;
    const reorder = rng.nextFloat() < reorderRate;
    const garbage = rng.nextFloat() < garbageRate ? GARBAGE_KINDS[garbageCount++ % GARBAGE_KINDS.length] : null;
    return { drop, duplicate, reorder, garbage };
  }

  return { active, decide, nextFloat: () => contentRng.nextFloat() };
}
