import assert from "node:assert/strict";
import { bucketStart, parseInterval } from "../../core/ingest/interval.ts";
import { createResampler } from "../../core/ingest/resampler.ts";
import type { Candle } from "../../core/wire/types.ts";

const SYMBOL = "AAPL";
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const T0 = Date.parse("2024-03-04T00:00:00Z"); // a Monday

function candle(openTimeMs: number, o: number, h: number, l: number, c: number, v: number): Candle {
  return { openTimeMs, open: o, high: h, low: l, close: c, volume: v };
}

/** Target bars computed from scratch: group the newest revision of every base bar by bucket and fold. */
function naive(base: Map<number, Candle>, interval: string): Candle[] {
  const ms = parseInterval(interval);
  const out: Candle[] = [];
  for (const bar of [...base.values()].sort((a, b) => a.openTimeMs - b.openTimeMs)) {
    const start = bucketStart(bar.openTimeMs, ms);
    const last = out[out.length - 1];
    if (last && last.openTimeMs === start) {
      out[out.length - 1] = {
        openTimeMs: start,
        open: last.open,
        high: Math.max(last.high, bar.high),
        low: Math.min(last.low, bar.low),
        close: bar.close,
        volume: last.volume + bar.volume,
      };
    } else out.push({ ...bar, openTimeMs: start });
  }
  return out;
}

Deno.test("createResampler() builds OHLCV bars from base bars", async (t) => {
  await t.step("open of the first, highest high, lowest low, close of the last, summed volume", () => {
    const resampler = createResampler({ base: "1m", targets: ["5m"] });
    const bars = [
      candle(T0 + 0 * MINUTE, 10, 12, 9, 11, 1),
      candle(T0 + 1 * MINUTE, 11, 15, 10, 14, 2),
      candle(T0 + 2 * MINUTE, 14, 14, 7, 8, 3),
      candle(T0 + 4 * MINUTE, 8, 9, 8, 9, 4), // minute 3 is missing: no trades
    ];
    for (const bar of bars) resampler.update(SYMBOL, bar);
    assert.deepEqual(resampler.bars(SYMBOL, "5m"), [candle(T0, 10, 15, 7, 9, 10)]);
  });

  await t.step("update() returns the changed bar of every target", () => {
    const resampler = createResampler({ base: "1m" });
    assert.deepEqual(resampler.targets, ["5m", "15m", "1h", "4h", "1d"]);
    resampler.update(SYMBOL, candle(T0 + 61 * MINUTE, 1, 2, 1, 2, 5));
    const changed = resampler.update(SYMBOL, candle(T0 + 62 * MINUTE, 2, 3, 2, 3, 5));
    assert.deepEqual(changed, [
      { interval: "5m", candle: candle(T0 + 60 * MINUTE, 1, 3, 1, 3, 10) },
      { interval: "15m", candle: candle(T0 + 60 * MINUTE, 1, 3, 1, 3, 10) },
      { interval: "1h", candle: candle(T0 + 60 * MINUTE, 1, 3, 1, 3, 10) },
      { interval: "4h", candle: candle(T0, 1, 3, 1, 3, 10) },
      { interval: "1d", candle: candle(T0, 1, 3, 1, 3, 10) },
    ]);
  });

  await t.step("a revision of the forming base bar replaces it, not adds to it", () => {
    const resampler = createResampler({ base: "1m", targets: ["5m"] });
    resampler.update(SYMBOL, candle(T0, 10, 11, 10, 11, 1));
    resampler.update(SYMBOL, candle(T0 + MINUTE, 11, 12, 11, 12, 1));
    resampler.update(SYMBOL, candle(T0 + MINUTE, 11, 20, 5, 6, 3));
    const [changed] = resampler.update(SYMBOL, candle(T0 + MINUTE, 11, 13, 11, 13, 2));
    assert.deepEqual(changed.candle, candle(T0, 10, 13, 10, 13, 3));
  });

  await t.step("bars align to UTC 1h, 4h and 1d boundaries", () => {
    const resampler = createResampler({ base: "1m", targets: ["1h", "4h", "1d"] });
    const start = Date.parse("2024-03-05T23:58:00Z");
    for (let i = 0; i < 5; i++) resampler.update(SYMBOL, candle(start + i * MINUTE, 1, 1, 1, 1, 1));
    const times = (interval: string): [string, number][] =>
      resampler.bars(SYMBOL, interval).map((bar) => [new Date(bar.openTimeMs).toISOString(), bar.volume]);
    assert.deepEqual(times("1h"), [["2024-03-05T23:00:00.000Z", 2], ["2024-03-06T00:00:00.000Z", 3]]);
    assert.deepEqual(times("4h"), [["2024-03-05T20:00:00.000Z", 2], ["2024-03-06T00:00:00.000Z", 3]]);
    assert.deepEqual(times("1d"), [["2024-03-05T00:00:00.000Z", 2], ["2024-03-06T00:00:00.000Z", 3]]);
  });

  await t.step("weeks start on Monday", () => {
    const resampler = createResampler({ base: "1d", targets: ["1w"] });
    const sunday = Date.parse("2024-03-10T00:00:00Z");
    resampler.update(SYMBOL, candle(sunday, 1, 1, 1, 1, 1));
    resampler.update(SYMBOL, candle(sunday + DAY, 1, 1, 1, 1, 1));
    assert.deepEqual(resampler.bars(SYMBOL, "1w").map((bar) => new Date(bar.openTimeMs).toISOString()), [
      "2024-03-04T00:00:00.000Z",
      "2024-03-11T00:00:00.000Z",
    ]);
  });

  await t.step("symbols are independent", () => {
    const resampler = createResampler({ base: "1m", targets: ["5m"] });
    resampler.update("A", candle(T0, 1, 1, 1, 1, 1));
    resampler.update("B", candle(T0 + MINUTE, 2, 2, 2, 2, 2));
    assert.deepEqual(resampler.bars("A", "5m"), [candle(T0, 1, 1, 1, 1, 1)]);
    assert.deepEqual(resampler.bars("B", "5m"), [candle(T0, 2, 2, 2, 2, 2)]);
    assert.deepEqual(resampler.bars("C", "5m"), []);
  });
});

Deno.test("createResampler() matches a full recomputation under revisions and out-of-order bars", async (t) => {
  for (const seed of [1, 2, 3, 42]) {
    await t.step(`seed ${seed}`, () => {
      const targets = ["5m", "15m", "1h", "4h", "1d"];
      const resampler = createResampler({ base: "1m", targets });
      const random = mulberry32(seed);
      const base = new Map<number, Candle>();
      let newest = T0 + Math.floor(random() * 600) * MINUTE;
      const kinds = { append: 0, revise: 0, late: 0 };
      for (let step = 0; step < 6000; step++) {
        const roll = random();
        let openTimeMs: number;
        if (roll < 0.55 || base.size === 0) {
          newest += (random() < 0.1 ? 2 + Math.floor(random() * 30) : 1) * MINUTE; // sometimes a gap
          openTimeMs = newest;
          kinds.append++;
        } else if (roll < 0.9) {
          openTimeMs = newest; // partial-bar revision
          kinds.revise++;
        } else {
          // Late: a missing or already-known bar up to 47 h back (inside the 3-day retention of 1d).
          openTimeMs = newest - (1 + Math.floor(random() * 47 * 60)) * MINUTE;
          kinds.late++;
        }
        const bar = randomBar(random, openTimeMs);
        base.set(openTimeMs, bar);
        const changed = resampler.update(SYMBOL, bar);
        assert.deepEqual(changed.map((c) => c.interval), targets, `step ${step}: one bar per target`);
        for (const { interval, candle: got } of changed) {
          const start = bucketStart(openTimeMs, parseInterval(interval));
          const want = naive(bucketOf(base, start, parseInterval(interval)), interval)[0];
          assert.deepEqual(got, want, `step ${step}: ${interval} bar at ${new Date(start).toISOString()}`);
        }
      }
      assert.ok(kinds.append > 1000 && kinds.revise > 1000 && kinds.late > 300, JSON.stringify(kinds));
      for (const interval of targets) {
        assert.deepEqual(resampler.bars(SYMBOL, interval), naive(base, interval), `${interval} history`);
      }
    });
  }
});

Deno.test("createResampler() never returns a wrong bar, for targets that do not nest and late bars it ignores", () => {
  const targets = ["7m", "1h", "4h"];
  const resampler = createResampler({ base: "1m", targets, retainBuckets: 1 });
  const random = mulberry32(5);
  const base = new Map<number, Candle>();
  let newest = T0;
  let returned = 0;
  let ignored = 0;
  for (let step = 0; step < 5000; step++) {
    const roll = random();
    if (roll < 0.6) newest += MINUTE;
    const openTimeMs = roll < 0.8 ? newest : newest - (1 + Math.floor(random() * 300)) * MINUTE;
    const bar = randomBar(random, openTimeMs);
    base.set(openTimeMs, bar);
    const changed = resampler.update(SYMBOL, bar);
    ignored += targets.length - changed.length;
    for (const { interval, candle: got } of changed) {
      const ms = parseInterval(interval);
      const want = naive(bucketOf(base, bucketStart(openTimeMs, ms), ms), interval)[0];
      assert.deepEqual(got, want, `step ${step}: ${interval}`);
      returned++;
    }
  }
  assert.ok(ignored > 100 && returned > 10_000, `${ignored} ignored, ${returned} returned`);
});

Deno.test("createResampler().seed() rebuilds history, and updates continue from it", () => {
  const random = mulberry32(9);
  const base = new Map<number, Candle>();
  const seedBars: Candle[] = [];
  for (let i = 0; i < 3 * 1440; i++) {
    const bar = randomBar(random, T0 + i * MINUTE);
    seedBars.push(bar);
    base.set(bar.openTimeMs, bar);
  }
  // Out of order, with an older revision first: the last of equal open times wins.
  seedBars.reverse();
  const revised = randomBar(random, T0 + 100 * MINUTE);
  seedBars.push(revised);
  base.set(revised.openTimeMs, revised);

  const resampler = createResampler({ base: "1m" });
  resampler.update(SYMBOL, randomBar(random, T0 - DAY)); // replaced by the seed
  resampler.seed(SYMBOL, seedBars);
  for (const interval of resampler.targets) {
    assert.deepEqual(resampler.bars(SYMBOL, interval), naive(base, interval), `${interval} after seed`);
  }
  let newest = T0 + 3 * 1440 * MINUTE - MINUTE;
  for (let i = 0; i < 500; i++) {
    const openTimeMs = i % 3 === 0 ? (newest += MINUTE) : i % 7 === 0 ? newest - 300 * MINUTE : newest;
    const bar = randomBar(random, openTimeMs);
    base.set(openTimeMs, bar);
    resampler.update(SYMBOL, bar);
  }
  for (const interval of resampler.targets) {
    assert.deepEqual(resampler.bars(SYMBOL, interval), naive(base, interval), `${interval} after updates`);
  }
});

Deno.test("createResampler() bounds its memory", async (t) => {
  await t.step("a base bar older than the retained buckets is ignored", () => {
    const resampler = createResampler({ base: "1m", targets: ["5m", "1h"], retainBuckets: 2 });
    for (let i = 0; i < 5 * 60; i++) resampler.update(SYMBOL, candle(T0 + i * MINUTE, 1, 1, 1, 1, 1));
    // Newest 1h bucket starts at 04:00; two buckets are kept, so 03:00 onwards can still be revised.
    const before = resampler.bars(SYMBOL, "1h");
    assert.deepEqual(resampler.update(SYMBOL, candle(T0 + 2 * HOUR + 59 * MINUTE, 1, 9, 1, 1, 1)), []);
    assert.deepEqual(resampler.bars(SYMBOL, "1h"), before);
    const changed = resampler.update(SYMBOL, candle(T0 + 3 * HOUR, 1, 9, 1, 1, 1));
    assert.deepEqual(changed.map((c) => [c.interval, c.candle.high, c.candle.volume]), [["5m", 9, 5], ["1h", 9, 60]]);
  });

  await t.step("history keeps the newest historyBars target bars (plus a small slack)", () => {
    const historyBars = 32;
    const resampler = createResampler({ base: "1m", targets: ["5m"], historyBars });
    for (let i = 0; i < 5 * 1000; i++) resampler.update(SYMBOL, candle(T0 + i * MINUTE, 1, 1, 1, 1, 1));
    const bars = resampler.bars(SYMBOL, "5m");
    assert.ok(bars.length >= historyBars && bars.length <= historyBars + 2, `${bars.length} bars`);
    assert.equal(bars[bars.length - 1].openTimeMs, T0 + 999 * 5 * MINUTE);
    assert.deepEqual(resampler.bars(SYMBOL, "5m", { limit: 3 }).map((bar) => bar.openTimeMs), [
      T0 + 997 * 5 * MINUTE,
      T0 + 998 * 5 * MINUTE,
      T0 + 999 * 5 * MINUTE,
    ]);
    assert.deepEqual(resampler.bars(SYMBOL, "5m", { limit: 0 }), []);
  });
});

Deno.test("createResampler() rejects targets it cannot build", async (t) => {
  const cases: [string, string[]][] = [
    ["1m", ["1m"]],
    ["1m", ["90s"]],
    ["5m", ["1m"]],
    ["7m", ["1w"]], // a multiple, but 7-minute buckets straddle Monday 00:00
  ];
  for (const [base, targets] of cases) {
    await t.step(`${base} → ${targets}`, () => {
      assert.throws(() => createResampler({ base, targets }), { name: "RangeError", message: /Cannot resample/ });
    });
  }
  await t.step("bars() of an interval that is not a target", () => {
    const resampler = createResampler({ base: "1m", targets: ["5m"] });
    assert.throws(() => resampler.bars(SYMBOL, "1h"), {
      name: "RangeError",
      message: "Cannot read 1h bars of AAPL: not a resampler target (targets: 5m)",
    });
  });
  await t.step("a base with nothing to build returns nothing", () => {
    const resampler = createResampler({ base: "1d" });
    assert.deepEqual(resampler.targets, []);
    assert.deepEqual(resampler.update(SYMBOL, candle(T0, 1, 1, 1, 1, 1)), []);
  });
});

/** The base bars of one bucket (base bars are whole minutes). */
function bucketOf(base: Map<number, Candle>, start: number, ms: number): Map<number, Candle> {
  const out = new Map<number, Candle>();
  for (let openTimeMs = start; openTimeMs < start + ms; openTimeMs += MINUTE) {
    const bar = base.get(openTimeMs);
    if (bar) out.set(openTimeMs, bar);
  }
  return out;
}

function randomBar(random: () => number, openTimeMs: number): Candle {
  const open = 100 + random() * 10;
  const close = 100 + random() * 10;
  const high = Math.max(open, close) + random() * 2;
  const low = Math.min(open, close) - random() * 2;
  return { openTimeMs, open, high, low, close, volume: random() * 1000 };
}

/** A small seeded PRNG so the property test is reproducible. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
