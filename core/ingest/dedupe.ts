/**
 * `createDeduper()`: keeps, per candle stream and open time, which revision of a bar is the newest seen, and
 * classifies each incoming bar against it (../../../shared/WIRE.md, Semantics, Candles):
 * - never seen → `new`;
 * - newer (a higher epoch rank, or the same epoch rank and a higher seq) → `revision`, except that a bar stored
 *   as closed never changes within its epoch, so a newer copy from the same epoch is a `duplicate`;
 * - the same epoch rank and seq → `duplicate`;
 * - older → `stale`.
 * A newer epoch wins even with a lower seq: a publisher that restarts mid-bar re-sends the bar from seq 1.
 *
 * Memory: per key, the newest `retainBars` open times are remembered, and never more than
 * `retainBars + ceil(retainBars / 16)` (older ones are forgotten in chunks). Once that many are held, a bar older
 * than every remembered one is reported as `new` and not remembered: the sequencer has already dropped seq
 * duplicates, and the store's `candles_latest` view keeps the newest revision of every bar anyway, so the worst
 * case is one redundant write (and the window ignores a bar older than its own oldest once full).
 * The number of keys is bounded by the streams subscribed to.
 *
 * Pure: values in, values out.
 */
import type { Candle } from "../wire/types.ts";

export type DedupeOutcome = "new" | "revision" | "duplicate" | "stale";

/** Where a bar came from: its epoch's rank (`Sequencer.epochRank`), its envelope's seq, and whether it is forming. */
export interface BarRevision {
  epochRank: number;
  seq: number;
  /** True for the last bar of a batch with `last_is_partial`: it may still change within its epoch. */
  partial: boolean;
}

/** A bar's revision as the store persisted it, for `seed()`. */
export interface DedupeSeedRow extends BarRevision {
  openTimeMs: number;
}

export interface DeduperOptions {
  /** Open times remembered per key: at least the newest this many, at most 1/16 more. Default 4096. */
  retainBars?: number;
}

export interface Deduper {
  /** `key` is `${symbol}|${interval}`. Records the bar unless the outcome is `duplicate` or `stale`. */
  offer(key: string, candle: Pick<Candle, "openTimeMs">, revision: BarRevision): DedupeOutcome;
  /** Loads persisted revisions after a restart; a row older than what is already known is ignored. */
  seed(key: string, rows: readonly DedupeSeedRow[]): void;
}

/**
 * One key's remembered bars as parallel arrays sorted by open time. Live bars arrive at or after the newest one,
 * so the usual look-up is one comparison with the last element; a Map keyed by millisecond times (heap numbers,
 * not small integers) was several times slower.
 */
interface KeyState {
  openTimes: number[];
  epochRanks: number[];
  seqs: number[];
  partials: boolean[];
}

const DEFAULT_RETAIN_BARS = 4096;

export function createDeduper(options: DeduperOptions = {}): Deduper {
  const retainBars = options.retainBars ?? DEFAULT_RETAIN_BARS;
  if (!Number.isSafeInteger(retainBars) || retainBars < 1) {
    throw new RangeError(`Cannot create deduper: retainBars must be a whole number >= 1, got ${retainBars}`);
  }
  const slack = Math.ceil(retainBars / 16);
  const keys = new Map<string, KeyState>();

  function offer(key: string, candle: Pick<Candle, "openTimeMs">, revision: BarRevision): DedupeOutcome {
    let state = keys.get(key);
    if (!state) {
      state = { openTimes: [], epochRanks: [], seqs: [], partials: [] };
      keys.set(key, state);
    }
    const t = candle.openTimeMs;
    const times = state.openTimes;
    const n = times.length;
    let index: number;
    if (n === 0 || t > times[n - 1]) index = n;
    else if (t === times[n - 1]) index = n - 1;
    else index = lowerBound(times, t);
    if (index === n || times[index] !== t) {
      remember(state, index, t, revision);
      return "new";
    }
    const outcome = compare(state.epochRanks[index], state.seqs[index], state.partials[index], revision);
    if (outcome === "revision") {
      state.epochRanks[index] = revision.epochRank;
      state.seqs[index] = revision.seq;
      state.partials[index] = revision.partial;
    }
    return outcome;
  }

  /** Inserts a bar at `index` unless it is beyond the horizon, then forgets the oldest beyond the bound. */
  function remember(state: KeyState, index: number, openTimeMs: number, revision: BarRevision): void {
    const n = state.openTimes.length;
    if (index === 0 && n >= retainBars) return; // beyond the horizon: see the module comment
    if (index === n) {
      state.openTimes.push(openTimeMs);
      state.epochRanks.push(revision.epochRank);
      state.seqs.push(revision.seq);
      state.partials.push(revision.partial);
    } else {
      state.openTimes.splice(index, 0, openTimeMs);
      state.epochRanks.splice(index, 0, revision.epochRank);
      state.seqs.splice(index, 0, revision.seq);
      state.partials.splice(index, 0, revision.partial);
    }
    // Forget in chunks so a steady stream pays for shifting the arrays once per `slack` bars, not per bar.
    if (n + 1 > retainBars + slack) {
      const drop = n + 1 - retainBars;
      state.openTimes.splice(0, drop);
      state.epochRanks.splice(0, drop);
      state.seqs.splice(0, drop);
      state.partials.splice(0, drop);
    }
  }

  function seed(key: string, rows: readonly DedupeSeedRow[]): void {
    for (const row of rows) offer(key, row, row);
  }

  return { offer, seed };
}

function compare(epochRank: number, seq: number, partial: boolean, incoming: BarRevision): DedupeOutcome {
  if (incoming.epochRank === epochRank) {
    if (incoming.seq === seq) return "duplicate";
    if (incoming.seq < seq) return "stale";
    return partial ? "revision" : "duplicate";
  }
  return incoming.epochRank > epochRank ? "revision" : "stale";
}

/** First index whose value is >= `value` in an ascending array. */
function lowerBound(values: readonly number[], value: number): number {
  let low = 0;
  let high = values.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (values[mid] < value) low = mid + 1;
    else high = mid;
  }
  return low;
}
