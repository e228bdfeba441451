/** Ticks finer than this many decimals are refused: prices are kept as exact multiples of 10^-decimals. */
export const MAX_TICK_DECIMALS = 12;

/**
 * The number of decimals of a tick size (0.01 → 2, 0.25 → 2, 1 → 0, 1e-8 → 8), or null when it has more
 * than MAX_TICK_DECIMALS or is not a positive finite number.
 */
export function tickDecimals(tickSize: number): number | null {
  if (!(tickSize > 0) || !Number.isFinite(tickSize)) return null;
  for (let d = 0; d <= MAX_TICK_DECIMALS; d++) {
    const scaled = tickSize * 10 ** d;
    if (Math.abs(scaled - Math.round(scaled)) <= 1e-9 * scaled) return d;
  }
  return null;
}

/**
 * Rounds a price to the nearest multiple of the tick (at least one tick). The result is the double nearest
 * to the decimal value, so `String(price)` prints it without float noise (187.23, not 187.23000000000002).
 */
export function roundToTick(price: number, tickSize: number): number {
  const decimals = tickDecimals(tickSize);
  if (decimals === null) {
    throw new RangeError(
      `Cannot round to tick size ${tickSize}: expected a positive number with at most ${MAX_TICK_DECIMALS} decimals`,
    );
  }
  return createTickRounder(tickSize, decimals)(price);
}

/** A rounder for one tick size, for hot loops: the decimals are worked out once. */
export function createTickRounder(tickSize: number, decimals: number): (price: number) => number {
  const scale = 10 ** decimals;
  const tickUnits = Math.round(tickSize * scale);
  // (ticks * tickUnits) is an exact integer and scale an exact power of ten, so one correctly rounded
  // division gives the double nearest to the decimal.
  return (price: number): number => Math.max(1, Math.round(price / tickSize)) * tickUnits / scale;
}
