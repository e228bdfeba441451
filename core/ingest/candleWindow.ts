/**
 * `createCandleWindow()`: the rolling in-memory window of recent candles per stream, as signals the web layer
 * reads. The window is the only writer: every change goes through `apply()`, `seed()` or `clear()`, each of which
 * writes inside one `batch()`, so an effect that reads several series runs once per call, never on half an update.
 *
 * Arrays are replaced, never mutated: a changed series gets a new array, an unchanged one keeps its old array, so
 * `===` tells a reader whether anything changed. Each series is ascending by open time with at most one bar per
 * open time and at most `capacity` bars (the newest).
 *
 * Pure apart from the signals it owns: no I/O, no timers.
 */
import { batch, type ReadonlySignal, type Signal, signal } from "@preact/signals-core";
import type { Candle } from "../wire/types.ts";
import { lowerBound } from "./lowerBound.ts";

export interface CandleUpdate {
  /** The stream, `${symbol}|${interval}` like the deduper's keys. */
  key: string;
  candle: Candle;
}

export interface CandleWindowOptions {
  /** Newest bars kept per key. */
  capacity: number;
}

export interface CandleWindow {
  /** The key's bars, ascending by open time; an empty array until it has any. The same signal on every call. */
  series(key: string): ReadonlySignal<readonly Candle[]>;
  /** Keys that hold at least one bar, sorted. */
  readonly keys: ReadonlySignal<readonly string[]>;
  /** Goes up by one on every call that changed something. */
  readonly version: ReadonlySignal<number>;
  /**
   * Merges bars in: one with an open time already present replaces it (a partial bar's revision), a newer one is
   * appended, an older one (backfill) is inserted in order. Bars older than a full window's oldest are ignored.
   */
  apply(updates: readonly CandleUpdate[]): void;
  /** Replaces a key's bars (after a restart, from the store); the last of several bars with one open time wins. */
  seed(key: string, candles: readonly Candle[]): void;
  /** Empties one key, or every key. The signals stay valid: readers see an empty array. */
  clear(key?: string): void;
}

const EMPTY: readonly Candle[] = Object.freeze([]);
const NO_KEYS: readonly string[] = Object.freeze([]);

export function createCandleWindow(options: CandleWindowOptions): CandleWindow {
  const { capacity } = options;
  if (!Number.isSafeInteger(capacity) || capacity < 1) {
    throw new RangeError(`Cannot create candle window: capacity must be a whole number >= 1, got ${capacity}`);
  }
  const seriesByKey = new Map<string, Signal<readonly Candle[]>>();
  const keys = signal(NO_KEYS);
  const version = signal(0);

  function series(key: string): Signal<readonly Candle[]> {
    let existing = seriesByKey.get(key);
    if (!existing) {
      existing = signal(EMPTY);
      seriesByKey.set(key, existing);
    }
    return existing;
  }

  /** Writes the changed series, the key list if it changed, and the version, in one batch. */
  function commit(changed: Map<string, readonly Candle[]>): void {
    if (changed.size === 0) return;
    batch(() => {
      let keysChanged = false;
      for (const [key, candles] of changed) {
        const target = series(key);
        // peek(): a caller inside an effect must not subscribe to what it writes.
        keysChanged ||= (target.peek().length === 0) !== (candles.length === 0);
        target.value = candles;
      }
      if (keysChanged) {
        keys.value = [...seriesByKey].filter(([, s]) => s.peek().length > 0).map(([key]) => key).sort();
      }
      version.value = version.peek() + 1;
    });
  }

  function apply(updates: readonly CandleUpdate[]): void {
    // Working copies, made on the first real change of a key in this call.
    const changed = new Map<string, Candle[]>();
    for (const { key, candle } of updates) {
      const working: readonly Candle[] = changed.get(key) ?? series(key).peek();
      const t = candle.openTimeMs;
      const n = working.length;
      let index: number; // where the candle goes
      let replace = false;
      if (n === 0 || t > working[n - 1].openTimeMs) index = n;
      else if (t === working[n - 1].openTimeMs) [index, replace] = [n - 1, true];
      else {
        if (n >= capacity && t < working[0].openTimeMs) continue; // would fall straight off a full window
        index = lowerBound(working, t);
        replace = index < n && working[index].openTimeMs === t;
      }
      if (replace && sameCandle(working[index], candle)) continue;
      let copy = changed.get(key);
      if (!copy) {
        copy = working.slice();
        changed.set(key, copy);
      }
      if (replace) copy[index] = candle;
      else if (index === n) copy.push(candle);
      else copy.splice(index, 0, candle);
    }
    // The copies are not published yet, so trimming them in place is still "replace, never mutate".
    for (const copy of changed.values()) if (copy.length > capacity) copy.splice(0, copy.length - capacity);
    commit(changed);
  }

  function seed(key: string, candles: readonly Candle[]): void {
    const sorted = candles.map((candle, order) => ({ candle, order }))
      .sort((a, b) => a.candle.openTimeMs - b.candle.openTimeMs || a.order - b.order);
    const out: Candle[] = [];
    for (const { candle } of sorted) {
      if (out.length > 0 && out[out.length - 1].openTimeMs === candle.openTimeMs) out[out.length - 1] = candle;
      else out.push(candle);
    }
    commit(new Map([[key, out.length > capacity ? out.slice(out.length - capacity) : out]]));
  }

  function clear(key?: string): void {
    const targets = key === undefined ? [...seriesByKey.keys()] : [key];
    commit(new Map(targets.filter((k) => (seriesByKey.get(k)?.peek().length ?? 0) > 0).map((k) => [k, EMPTY])));
  }

  return { series, keys, version, apply, seed, clear };
}

function sameCandle(a: Candle, b: Candle): boolean {
  return a.open === b.open && a.high === b.high && a.low === b.low && a.close === b.close && a.volume === b.volume;
}
