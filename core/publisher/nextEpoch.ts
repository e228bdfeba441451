/**
 * `nextEpoch()`: a publisher session id. It is the start time in ms, as WIRE.md suggests, but never at or below one
 * handed out before in this process, so two publishers started within the same millisecond (a test, a fast
 * restart) still get different, increasing epochs.
 */
let lastEpochMs = 0;

export function nextEpoch(nowMs: number = Date.now()): bigint {
  lastEpochMs = Math.max(Math.floor(nowMs), lastEpochMs + 1);
  return BigInt(lastEpochMs);
}
