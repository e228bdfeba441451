import assert from "node:assert/strict";
import { effect, signal } from "@preact/signals-core";
import { createCandleWindow } from "../../core/ingest/candleWindow.ts";
import type { Candle } from "../../core/wire/types.ts";

const KEY = "AAPL|1m";
const OTHER = "MSFT|1m";
const T0 = Date.parse("2024-03-05T14:30:00Z");
const MINUTE = 60_000;

/** Bar `i` minutes after T0, with `close` telling revisions apart. */
function bar(i: number, close = 100 + i): Candle {
  return { openTimeMs: T0 + i * MINUTE, open: 100, high: Math.max(100, close) + 1, low: 99, close, volume: 10 };
}

/** A series as [minute, close] pairs, so failures read easily. */
function summary(candles: readonly Candle[]): [number, number][] {
  return candles.map((c) => [(c.openTimeMs - T0) / MINUTE, c.close]);
}

const mergeCases: { name: string; capacity: number; applies: Candle[][]; expect: [number, number][] }[] = [
  { name: "a newer bar is appended", capacity: 10, applies: [[bar(0)], [bar(1)]], expect: [[0, 100], [1, 101]] },
  {
    name: "a bar with an open time already there replaces it (partial-bar revision)",
    capacity: 10,
    applies: [[bar(0), bar(1, 50)], [bar(1, 60)], [bar(1, 70)]],
    expect: [[0, 100], [1, 70]],
  },
  {
    name: "an older bar (backfill) is inserted in order",
    capacity: 10,
    applies: [[bar(0), bar(3)], [bar(2)], [bar(1)], [bar(-1)]],
    expect: [[-1, 99], [0, 100], [1, 101], [2, 102], [3, 103]],
  },
  {
    name: "an older bar replaces its open time in the middle",
    capacity: 10,
    applies: [[bar(0), bar(1), bar(2)], [bar(1, 7)]],
    expect: [[0, 100], [1, 7], [2, 102]],
  },
  {
    name: "several updates of one key in one call, in any order",
    capacity: 10,
    applies: [[bar(4), bar(2), bar(4, 5), bar(3), bar(2, 6)]],
    expect: [[2, 6], [3, 103], [4, 5]],
  },
  {
    name: "only the newest `capacity` bars are kept",
    capacity: 3,
    applies: [[bar(0), bar(1)], [bar(2), bar(3), bar(4)]],
    expect: [[2, 102], [3, 103], [4, 104]],
  },
  {
    name: "a backfill older than a full window's oldest bar is ignored",
    capacity: 3,
    applies: [[bar(5), bar(6), bar(7)], [bar(1)]],
    expect: [[5, 105], [6, 106], [7, 107]],
  },
  {
    name: "a backfill inside a full window pushes the oldest bar out",
    capacity: 3,
    applies: [[bar(5), bar(7), bar(8)], [bar(6)]],
    expect: [[6, 106], [7, 107], [8, 108]],
  },
];

Deno.test("createCandleWindow().apply() merges bars into a key's series", async (t) => {
  for (const c of mergeCases) {
    await t.step(c.name, () => {
      const window = createCandleWindow({ capacity: c.capacity });
      for (const candles of c.applies) window.apply(candles.map((candle) => ({ key: KEY, candle })));
      assert.deepEqual(summary(window.series(KEY).value), c.expect);
    });
  }
});

Deno.test("createCandleWindow().apply() writes everything in one batch", () => {
  const window = createCandleWindow({ capacity: 100 });
  const seen: { version: number; keys: readonly string[]; a: number; b: number }[] = [];
  const dispose = effect(() => {
    seen.push({
      version: window.version.value,
      keys: window.keys.value,
      a: window.series(KEY).value.length,
      b: window.series(OTHER).value.length,
    });
  });
  try {
    assert.equal(seen.length, 1);
    window.apply([
      { key: KEY, candle: bar(0) },
      { key: OTHER, candle: bar(0) },
      { key: KEY, candle: bar(1) },
      { key: OTHER, candle: bar(1) },
      { key: KEY, candle: bar(1, 3) },
    ]);
    assert.equal(seen.length, 2, "one effect run for one apply() that changed two series, the keys and the version");
    assert.deepEqual(seen[1], { version: 1, keys: [KEY, OTHER], a: 2, b: 2 });
    window.apply([{ key: OTHER, candle: bar(2) }]);
    assert.equal(seen.length, 3);
    assert.deepEqual(seen[2], { version: 2, keys: [KEY, OTHER], a: 2, b: 3 });
    window.apply([]);
    window.apply([{ key: KEY, candle: bar(1, 3) }]); // identical to what is there
    assert.equal(seen.length, 3, "an apply() that changes nothing writes nothing");
    assert.equal(window.version.value, 2);
  } finally {
    dispose();
  }
});

Deno.test("createCandleWindow().apply() called from an effect does not subscribe that effect to the window", () => {
  const window = createCandleWindow({ capacity: 10 });
  const minute = signal(0);
  let runs = 0;
  const dispose = effect(() => {
    runs++;
    window.apply([{ key: KEY, candle: bar(minute.value) }]);
  });
  try {
    minute.value = 1;
    minute.value = 2;
    assert.equal(runs, 3, "the effect reruns for its own input only");
    assert.deepEqual(summary(window.series(KEY).value), [[0, 100], [1, 101], [2, 102]]);
  } finally {
    dispose();
  }
});

Deno.test("createCandleWindow() replaces arrays and never mutates them", () => {
  const window = createCandleWindow({ capacity: 3 });
  window.apply([{ key: KEY, candle: bar(0) }, { key: KEY, candle: bar(1) }, { key: OTHER, candle: bar(0) }]);
  const before = window.series(KEY).value;
  const snapshot = summary(before);
  const otherBefore = window.series(OTHER).value;

  window.apply([{ key: KEY, candle: bar(1, 9) }]); // revision
  const afterRevision = window.series(KEY).value;
  assert.notEqual(afterRevision, before);
  assert.deepEqual(summary(before), snapshot, "the old array is untouched by a revision");

  window.apply([{ key: KEY, candle: bar(2) }, { key: KEY, candle: bar(3) }]); // append past capacity
  assert.deepEqual(summary(afterRevision), [[0, 100], [1, 9]], "the old array is untouched by an append");
  assert.deepEqual(summary(window.series(KEY).value), [[1, 9], [2, 102], [3, 103]]);
  assert.equal(window.series(OTHER).value, otherBefore, "a key that did not change keeps its array");
});

Deno.test("createCandleWindow() series, seed and clear", async (t) => {
  await t.step("series() of an unknown key is empty, and the same signal fills in later", () => {
    const window = createCandleWindow({ capacity: 5 });
    const series = window.series(KEY);
    assert.deepEqual(series.value, []);
    window.apply([{ key: KEY, candle: bar(0) }]);
    assert.equal(window.series(KEY), series);
    assert.deepEqual(summary(series.value), [[0, 100]]);
  });

  await t.step("keys lists keys with bars, sorted", () => {
    const window = createCandleWindow({ capacity: 5 });
    window.series("ZZZ|1m"); // read but never written
    window.apply([{ key: OTHER, candle: bar(0) }, { key: KEY, candle: bar(0) }]);
    assert.deepEqual(window.keys.value, [KEY, OTHER]);
  });

  await t.step("seed() replaces a key's bars: sorted, last of equal open times wins, capped", () => {
    const window = createCandleWindow({ capacity: 3 });
    window.apply([{ key: KEY, candle: bar(50) }]);
    window.seed(KEY, [bar(3), bar(1), bar(4), bar(3, 33), bar(2)]);
    assert.deepEqual(summary(window.series(KEY).value), [[2, 102], [3, 33], [4, 104]]);
    assert.deepEqual(window.keys.value, [KEY]);
  });

  await t.step("clear() empties one key or all; the signals stay the same objects", () => {
    const window = createCandleWindow({ capacity: 3 });
    const a = window.series(KEY);
    const b = window.series(OTHER);
    window.apply([{ key: KEY, candle: bar(0) }, { key: OTHER, candle: bar(0) }]);
    const version = window.version.value;
    window.clear(KEY);
    assert.deepEqual(a.value, []);
    assert.equal(b.value.length, 1);
    assert.deepEqual(window.keys.value, [OTHER]);
    window.clear();
    assert.deepEqual(b.value, []);
    assert.deepEqual(window.keys.value, []);
    assert.equal(window.version.value, version + 2);
    window.clear();
    assert.equal(window.version.value, version + 2, "clearing nothing changes nothing");
    window.apply([{ key: KEY, candle: bar(1) }]);
    assert.equal(window.series(KEY), a);
    assert.deepEqual(summary(a.value), [[1, 101]]);
  });

  await t.step("a bad capacity is a RangeError", () => {
    assert.throws(() => createCandleWindow({ capacity: 0 }), RangeError);
  });
});
