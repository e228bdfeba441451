/** Exponential backoff with jitter, for reopening a connection after it failed. */

export interface BackoffOptions {
  /** Delay before the first retry. */
  initialMs: number;
  /** The delay doubles per consecutive failure up to this cap. */
  maxMs: number;
  /** Relative spread in 0..1: the delay is scaled by a random factor in [1 - jitter, 1 + jitter], then capped. */
  jitter: number;
}

/**
 * The delay before retry number `attempt` (0 = the first retry after a failure). Jitter keeps many clients that
 * lost the same publisher from reconnecting in lockstep.
 */
export function backoffDelayMs(attempt: number, backoff: BackoffOptions, random: () => number = Math.random): number {
  // 2^30 is far past any cap; bounding the exponent keeps the arithmetic finite.
  const baseMs = Math.min(backoff.maxMs, backoff.initialMs * 2 ** Math.min(Math.max(0, attempt), 30));
  const factor = 1 + backoff.jitter * (2 * random() - 1);
  return Math.max(0, Math.min(backoff.maxMs, Math.round(baseMs * factor)));
}

/** Checks backoff options, throwing a RangeError that names the bad value. */
export function validateBackoff(backoff: BackoffOptions): BackoffOptions {
  const { initialMs, maxMs, jitter } = backoff;
  if (!Number.isFinite(initialMs) || initialMs < 0) {
    throw new RangeError(`Invalid backoff: initialMs is ${initialMs}, expected a finite number >= 0`);
  }
  if (!Number.isFinite(maxMs) || maxMs < initialMs) {
    throw new RangeError(`Invalid backoff: maxMs is ${maxMs}, expected a finite number >= initialMs (${initialMs})`);
  }
  if (!(jitter >= 0 && jitter <= 1)) {
    throw new RangeError(`Invalid backoff: jitter is ${jitter}, expected a number in 0..1`);
  }
  return backoff;
}
