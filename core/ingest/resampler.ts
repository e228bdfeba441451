/**
 * `createResampler()`: builds longer bars (5m, 15m, 1h, 4h, 1d …) from a stream of base bars (1m), incrementally.
 *
 * Per (symbol, target) it keeps the newest bucket as two parts: the aggregate of its base bars except the last,
 * and the last base bar on its own. The common updates are O(1) per target: a revision of the forming base bar
 * replaces the last part, and a newer base bar folds the old last part into the aggregate. A base bar that lands
 * anywhere else (backfill into an older bucket, or a revision of an earlier bar) recomputes only its own bucket,
 * from the base bars retained for it.
 *
 * OHLCV of a target bar: open of its first base bar, highest high, lowest low, close of its last base bar, summed
 * volume (added oldest first, so the result does not depend on the order updates came in); its open time is
 * `bucketStart()` of the target interval. Every base bar passed in is taken to be the newest revision of its
 * open time (the deduper decides that upstream).
 *
 * Memory, per symbol: the base bars of the newest `retainBuckets` buckets of the longest target — at most
 * `retainBuckets × longest/base` bars (3 × 1440 for 1d over 1m; plus part of one bucket when targets do not
 * nest), and never more than twice that even for base bars off the base grid — and per target the newest
 * `historyBars` target bars (plus at most 1/16 more before a trim). A base bar older than the retained ones
 * cannot be resampled correctly and is ignored: `update()` returns nothing for it, nor for any target whose
 * bucket of it is partly forgotten; a bar it does return is always right. Deeper history is rebuilt with `seed()`.
 *
 * Pure: values in, values out.
 */
import type { Candle } from "../wire/types.ts";
import { lowerBound } from "./lowerBound.ts";
import { bucketStart, parseInterval, resampleTargets } from "./interval.ts";

export interface ResamplerOptions {
  /** Interval of the bars `update()` and `seed()` take, e.g. "1m". */
  base: string;
  /** Intervals to build; each a whole multiple of `base` whose buckets nest. Default `resampleTargets(base)`. */
  targets?: readonly string[];
  /** Buckets of the longest target whose base bars are kept for out-of-order updates. Default 3. */
  retainBuckets?: number;
  /** Target bars kept per (symbol, target) for `bars()`. Default 4096. */
  historyBars?: number;
}

export interface ResampledBar {
  interval: string;
  candle: Candle;
}

export interface Resampler {
  readonly base: string;
  /** The target intervals, shortest first. */
  readonly targets: readonly string[];
  /** Takes a base bar (new, revised or late) and returns the target bars it changed, one per target at most. */
  update(symbol: string, candle: Candle): ResampledBar[];
  /** Replaces the symbol's state with bars built from `baseCandles` (any order; the last of equal open times wins). */
  seed(symbol: string, baseCandles: readonly Candle[]): void;
  /** The newest target bars, ascending by open time. Throws a RangeError for an interval that is not a target. */
  bars(symbol: string, interval: string, options?: { limit?: number }): Candle[];
}

interface TargetState {
  /** Start of the newest bucket seen; -Infinity before the first bar. */
  bucketMs: number;
  /** Aggregate of the newest bucket's base bars except the last; null when it has only one. */
  prefix: Candle | null;
  /** The newest bucket's last base bar. */
  last: Candle | null;
  /** Target bars, ascending by open time. */
  history: Candle[];
}

interface SymbolState {
  /** Retained base bars, ascending by open time, all at or after `floorMs`. */
  base: Candle[];
  /** Base bars before this were forgotten; buckets starting before it are not recomputed. */
  floorMs: number;
  /** Start of the oldest retained bucket of the longest target, when `floorMs` was last raised for it. */
  oldestKeptMs: number;
  targets: TargetState[];
}

interface Target {
  interval: string;
  ms: number;
}

const DEFAULT_RETAIN_BUCKETS = 3;
const DEFAULT_HISTORY_BARS = 4096;

export function createResampler(options: ResamplerOptions): Resampler {
  const baseMs = parseInterval(options.base);
  const retainBuckets = options.retainBuckets ?? DEFAULT_RETAIN_BUCKETS;
  const historyBars = options.historyBars ?? DEFAULT_HISTORY_BARS;
  if (!Number.isSafeInteger(retainBuckets) || retainBuckets < 1) {
    throw new RangeError(`Cannot create resampler: retainBuckets must be a whole number >= 1, got ${retainBuckets}`);
  }
  if (!Number.isSafeInteger(historyBars) || historyBars < 1) {
    throw new RangeError(`Cannot create resampler: historyBars must be a whole number >= 1, got ${historyBars}`);
  }
  const targets = resolveTargets(options.base, baseMs, options.targets ?? resampleTargets(options.base));
  const longest = targets[targets.length - 1];
  const maxBaseBars = longest ? retainBuckets * Math.ceil(longest.ms / baseMs) : 0;
  const historySlack = Math.ceil(historyBars / 16);
  const symbols = new Map<string, SymbolState>();

  function stateOf(symbol: string): SymbolState {
    let state = symbols.get(symbol);
    if (!state) {
      state = {
        base: [],
        floorMs: -Infinity,
        oldestKeptMs: -Infinity,
        targets: targets.map(() => ({ bucketMs: -Infinity, prefix: null, last: null, history: [] })),
      };
      symbols.set(symbol, state);
    }
    return state;
  }

  function update(symbol: string, candle: Candle): ResampledBar[] {
    if (targets.length === 0) return [];
    const state = stateOf(symbol);
    const t = candle.openTimeMs;
    if (t < state.floorMs) return [];
    insertBase(state.base, candle);

    const out: ResampledBar[] = [];
    for (let i = 0; i < targets.length; i++) {
      const { interval, ms } = targets[i];
      const target = state.targets[i];
      const b = bucketStart(t, ms);
      let bar: Candle;
      if (b > target.bucketMs) {
        target.bucketMs = b;
        target.prefix = null;
        target.last = candle;
        bar = combine(null, candle, b);
        target.history.push(bar);
        trimHistory(target.history);
      } else if (b === target.bucketMs) {
        const last = target.last!;
        if (t === last.openTimeMs) target.last = candle;
        else if (t > last.openTimeMs) {
          // The prefix is private to this state (never returned), so it is folded in place: no allocation.
          if (target.prefix) foldInto(target.prefix, last);
          else target.prefix = combine(null, last, b);
          target.last = candle;
        } else {
          if (b < state.floorMs) continue; // only after the hard cap (misaligned input) forgot part of it
          const [from, to] = bucketRange(state.base, b, ms);
          target.prefix = from < to - 1 ? fold(state.base, from, to - 1, b) : null;
          target.last = state.base[to - 1];
        }
        bar = combine(target.prefix, target.last, b);
        target.history[target.history.length - 1] = bar;
      } else {
        if (b < state.floorMs) continue; // part of this bucket's base bars are forgotten
        const [from, to] = bucketRange(state.base, b, ms);
        bar = fold(state.base, from, to, b);
        putHistory(target.history, bar);
        trimHistory(target.history);
      }
      out.push({ interval, candle: bar });
    }
    forget(state);
    return out;
  }

  /**
   * Raises the floor to the oldest retained bucket of the longest target — lowered to the start of any target's
   * bucket that straddles it, for targets that do not nest — and drops the base bars before it.
   */
  function forget(state: SymbolState): void {
    const base = state.base;
    let floorMs = state.floorMs;
    const oldestKept = state.targets[state.targets.length - 1].bucketMs - (retainBuckets - 1) * longest.ms;
    if (oldestKept > state.oldestKeptMs) {
      state.oldestKeptMs = oldestKept;
      let lowered = oldestKept;
      for (const { ms } of targets) lowered = Math.min(lowered, bucketStart(oldestKept, ms));
      floorMs = Math.max(floorMs, lowered);
    }
    if (base.length > 2 * maxBaseBars) floorMs = Math.max(floorMs, base[base.length - maxBaseBars].openTimeMs);
    if (floorMs <= state.floorMs) return;
    state.floorMs = floorMs;
    const drop = lowerBound(base, floorMs);
    if (drop > 0) base.splice(0, drop);
  }

  function trimHistory(history: Candle[]): void {
    if (history.length > historyBars + historySlack) history.splice(0, history.length - historyBars);
  }

  function seed(symbol: string, baseCandles: readonly Candle[]): void {
    symbols.delete(symbol);
    if (targets.length === 0) return;
    const state = stateOf(symbol);
    const base = sortedUnique(baseCandles);
    state.base = base;
    for (let i = 0; i < targets.length; i++) {
      const { ms } = targets[i];
      const target = state.targets[i];
      let from = 0;
      while (from < base.length) {
        const b = bucketStart(base[from].openTimeMs, ms);
        const [, to] = bucketRange(base, b, ms, from);
        target.history.push(fold(base, from, to, b));
        if (to === base.length) {
          target.bucketMs = b;
          target.prefix = from < to - 1 ? fold(base, from, to - 1, b) : null;
          target.last = base[to - 1];
        }
        from = to;
      }
      trimHistory(target.history);
    }
    forget(state);
  }

  function bars(symbol: string, interval: string, options: { limit?: number } = {}): Candle[] {
    const index = targets.findIndex((target) => target.interval === interval);
    if (index < 0) {
      throw new RangeError(
        `Cannot read ${interval} bars of ${symbol}: not a resampler target (targets: ${
          targets.map((target) => target.interval).join(", ") || "none"
        })`,
      );
    }
    const history = symbols.get(symbol)?.targets[index].history ?? [];
    const limit = options.limit ?? Infinity;
    return limit >= history.length ? history.slice() : history.slice(history.length - Math.max(0, limit));
  }

  return { base: options.base, targets: targets.map((target) => target.interval), update, seed, bars };
}

/** Validates targets against the base and sorts them shortest first. */
function resolveTargets(base: string, baseMs: number, intervals: readonly string[]): Target[] {
  const byMs = new Map<number, Target>();
  for (const interval of intervals) {
    const ms = parseInterval(interval);
    const firstStart = bucketStart(0, ms);
    // Every target bucket must be a union of whole base buckets, or a base bar would straddle two of them.
    if (ms <= baseMs || ms % baseMs !== 0 || bucketStart(firstStart, baseMs) !== firstStart) {
      throw new RangeError(
        `Cannot resample ${base} into ${interval}: ` +
          "the target must be a longer whole multiple of the base whose buckets start on base buckets",
      );
    }
    byMs.set(ms, { interval, ms });
  }
  return [...byMs.values()].sort((a, b) => a.ms - b.ms);
}

/** Inserts or replaces a base bar by open time; appends and revisions of the newest bar are O(1). */
function insertBase(base: Candle[], candle: Candle): void {
  const n = base.length;
  const t = candle.openTimeMs;
  if (n === 0 || t > base[n - 1].openTimeMs) base.push(candle);
  else if (t === base[n - 1].openTimeMs) base[n - 1] = candle;
  else {
    const index = lowerBound(base, t);
    if (base[index].openTimeMs === t) base[index] = candle;
    else base.splice(index, 0, candle);
  }
}

/** Inserts or replaces a target bar by open time. */
function putHistory(history: Candle[], bar: Candle): void {
  const index = lowerBound(history, bar.openTimeMs);
  if (index < history.length && history[index].openTimeMs === bar.openTimeMs) history[index] = bar;
  else history.splice(index, 0, bar);
}

/** `[from, to)`: indices of the base bars whose open time lies in the bucket `[bucketMs, bucketMs + ms)`. */
function bucketRange(base: readonly Candle[], bucketMs: number, ms: number, from?: number): [number, number] {
  const start = from ?? lowerBound(base, bucketMs);
  let to = start;
  const end = bucketMs + ms;
  while (to < base.length && base[to].openTimeMs < end) to++;
  return [start, to];
}

/** The aggregate of base[from..to), oldest first; `to > from`. */
function fold(base: readonly Candle[], from: number, to: number, bucketMs: number): Candle {
  const bar = combine(null, base[from], bucketMs);
  for (let i = from + 1; i < to; i++) foldInto(bar, base[i]);
  return bar;
}

/** Extends `prefix` by `next`, in place. */
function foldInto(prefix: Candle, next: Candle): void {
  if (next.high > prefix.high) prefix.high = next.high;
  if (next.low < prefix.low) prefix.low = next.low;
  prefix.close = next.close;
  prefix.volume += next.volume;
}

/** A bar made of `prefix` (may be null) followed by `next`. */
function combine(prefix: Candle | null, next: Candle, bucketMs: number): Candle {
  if (!prefix) {
    return {
      openTimeMs: bucketMs,
      open: next.open,
      high: next.high,
      low: next.low,
      close: next.close,
      volume: next.volume,
    };
  }
  return {
    openTimeMs: bucketMs,
    open: prefix.open,
    high: next.high > prefix.high ? next.high : prefix.high,
    low: next.low < prefix.low ? next.low : prefix.low,
    close: next.close,
    volume: prefix.volume + next.volume,
  };
}

function sortedUnique(candles: readonly Candle[]): Candle[] {
  const sorted = candles.map((candle, order) => ({ candle, order }))
    .sort((a, b) => a.candle.openTimeMs - b.candle.openTimeMs || a.order - b.order);
  const out: Candle[] = [];
  for (const { candle } of sorted) {
    if (out.length > 0 && out[out.length - 1].openTimeMs === candle.openTimeMs) out[out.length - 1] = candle;
    else out.push(candle);
  }
  return out;
}
