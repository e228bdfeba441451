/**
 * `partialRevision()`: what a bar looked like part-way through its interval, made from its final values so that
 * the revisions a subscriber sees converge on the closed bar: the open is fixed, high only rises and low only falls
 * (never past the final ones), volume only grows, and the close wanders inside the range so far.
 */
import type { Candle } from "../wire/types.ts";

/**
 * The bar at `fraction` (0 < fraction < 1) of its interval. `wiggle` in [-1, 1] moves the close around its
 * straight path from open to the final close; high, low and volume do not depend on it, so revisions with any
 * wiggles stay monotone.
 */
export function partialRevision(final: Candle, fraction: number, wiggle: number): Candle {
  const { open, high, low, close, volume } = final;
  const path = open + (close - open) * fraction;
  // The body so far grows monotonically (max/min of open and a point moving one way) and the wicks grow in
  // proportion; clamping to the final range absorbs rounding.
  const highSoFar = Math.min(high, Math.max(open, path) + (high - Math.max(open, close)) * fraction);
  const lowSoFar = Math.max(low, Math.min(open, path) - (Math.min(open, close) - low) * fraction);
  const wandering = path + wiggle * (highSoFar - lowSoFar) / 2;
  return {
    openTimeMs: final.openTimeMs,
    open,
    high: highSoFar,
    low: lowSoFar,
    close: Math.min(highSoFar, Math.max(lowSoFar, wandering)),
    volume: volume * fraction,
  };
}
