import assert from "node:assert/strict";
import type { Candle } from "../../core/wire/types.ts";
import type { GeneratorParams } from "../../core/market/createCandleGenerator.ts";
import { createRng } from "../../core/market/createRng.ts";
import { formatCandleCsv } from "../../core/market/formatCandleCsv.ts";
import { generateCandles } from "../../core/market/generateCandles.ts";
import { intradayProfile } from "../../core/market/intradayProfile.ts";
import { mixSeeds } from "../../core/market/mixSeeds.ts";
import { newYorkLocal } from "../../core/market/newYorkTime.ts";
import { isInSession } from "../../core/market/sessionCalendar.ts";
import { tickDecimals } from "../../core/market/roundToTick.ts";

const START = Date.UTC(2024, 2, 4); // Monday
const MINUTE = 60_000;

const PARAMS: Record<string, GeneratorParams> = {
  equity: {
    seed: 1,
    startPrice: 175,
    drift: 0.08,
    volatility: 0.3,
    baseVolume: 150_000,
    session: "us_equity",
    tickSize: 0.01,
  },
  fx: { seed: 2, startPrice: 1.085, drift: 0, volatility: 0.07, baseVolume: 300, session: "24x5", tickSize: 0.00001 },
  crypto: {
    seed: 3,
    startPrice: 63_000,
    drift: 0.2,
    volatility: 0.6,
    baseVolume: 16.5,
    session: "24x7",
    tickSize: 0.01,
    volumeDecimals: 4,
  },
  tinyCrypto: {
    seed: 4,
    startPrice: 0.000025,
    drift: 0.2,
    volatility: 1.2,
    baseVolume: 1.6e9,
    session: "24x7",
    tickSize: 0.00000001,
  },
  index: { seed: 5, startPrice: 14.5, drift: 0, volatility: 0.9, baseVolume: 0, session: "us_equity", tickSize: 0.01 },
};

function csv(params: GeneratorParams, count: number): string {
  return formatCandleCsv(generateCandles(params, { startMs: START, count }), {
    priceDecimals: tickDecimals(params.tickSize)!,
    volumeDecimals: params.volumeDecimals ?? 0,
  });
}

Deno.test("createRng() gives the same stream for a seed on every run and platform", () => {
  const rng = createRng(0);
  // Pinned values, checked against an independent implementation: a change here changes every shipped sample.
  assert.deepEqual([rng.nextUint32(), rng.nextUint32(), rng.nextUint32()], [3603441866, 3087741993, 1976184554]);
  const big = createRng(2 ** 53 - 1);
  assert.notEqual(big.nextUint32(), createRng(2 ** 32 - 1).nextUint32());
  let sum = 0, sumSq = 0;
  const normal = createRng(99);
  for (let i = 0; i < 100_000; i++) {
    const z = normal.nextNormal();
    sum += z;
    sumSq += z * z;
  }
  assert.ok(Math.abs(sum / 100_000) < 0.02 && Math.abs(sumSq / 100_000 - 1) < 0.02);
});

Deno.test("generateCandles() is deterministic: same seed same bytes, another seed other bytes", async (t) => {
  for (const [name, params] of Object.entries(PARAMS)) {
    await t.step(name, () => {
      const a = csv(params, 3000);
      assert.equal(csv(params, 3000), a);
      assert.notEqual(csv({ ...params, seed: params.seed + 1 }, 3000), a);
      assert.notEqual(csv({ ...params, seed: mixSeeds(params.seed, 7) }, 3000), a);
      // A shorter run is a prefix of a longer one.
      assert.ok(a.startsWith(csv(params, 100)));
    });
  }
});

function checkBars(candles: readonly Candle[], params: GeneratorParams): void {
  const decimals = tickDecimals(params.tickSize)!;
  let previous: Candle | null = null;
  for (const c of candles) {
    const at = new Date(c.openTimeMs).toISOString();
    if (!(c.low <= Math.min(c.open, c.close) && Math.max(c.open, c.close) <= c.high && c.low > 0)) {
      assert.fail(`OHLC broken at ${at}: ${JSON.stringify(c)}`);
    }
    if (!(c.volume >= 0) || !Number.isFinite(c.volume)) assert.fail(`volume ${c.volume} at ${at}`);
    for (const price of [c.open, c.high, c.low, c.close]) {
      // Tick multiples that print without float noise.
      if (String(price) !== String(Number(price.toFixed(decimals)))) assert.fail(`${price} off tick at ${at}`);
    }
    if (c.openTimeMs % MINUTE !== 0 || !isInSession(params.session, c.openTimeMs)) {
      assert.fail(`bar at ${at} outside ${params.session}`);
    }
    if (previous !== null) {
      if (c.openTimeMs <= previous.openTimeMs) assert.fail(`not ascending at ${at}`);
      if (c.openTimeMs - previous.openTimeMs === MINUTE && c.open !== previous.close) {
        assert.fail(`open ${c.open} != previous close ${previous.close} at ${at}`);
      }
    }
    previous = c;
  }
}

Deno.test("generateCandles() keeps OHLC consistent, on tick and inside the session over long runs", async (t) => {
  for (const [name, params] of Object.entries(PARAMS)) {
    await t.step(name, () => {
      const candles = generateCandles(params, { startMs: START, count: 150_000 });
      assert.equal(candles.length, 150_000);
      checkBars(candles, params);
    });
  }
});

Deno.test("generateCandles() follows the sessions", async (t) => {
  const week = { startMs: START, endMs: START + 7 * 86_400_000 };
  await t.step("us_equity: 5 sessions of 390 bars, 09:30-16:00 New York", () => {
    const bars = generateCandles(PARAMS.equity, week);
    assert.equal(bars.length, 5 * 390);
    assert.equal(new Date(bars[0].openTimeMs).toISOString(), "2024-03-04T14:30:00.000Z");
    assert.equal(new Date(bars.at(-1)!.openTimeMs).toISOString(), "2024-03-08T20:59:00.000Z");
  });
  await t.step("us_equity across the DST change opens at 13:30 UTC", () => {
    const bars = generateCandles(PARAMS.equity, { startMs: Date.UTC(2024, 2, 9), count: 1 });
    assert.equal(new Date(bars[0].openTimeMs).toISOString(), "2024-03-11T13:30:00.000Z");
  });
  await t.step("24x5: closed from Friday 17:00 to Sunday 17:00 New York", () => {
    const bars = generateCandles(PARAMS.fx, week);
    // Monday 00:00 UTC (Sunday 19:00 EST) to Friday 22:00 UTC (17:00 EST), then from Sunday 21:00 UTC
    // (17:00 EDT: DST began that morning) to the week's end.
    assert.equal(bars.length, 4 * 1440 + 22 * 60 + 3 * 60);
    assert.ok(!bars.some((b) => newYorkLocal(b.openTimeMs).weekday === 6));
  });
  await t.step("24x7: every minute", () => {
    const bars = generateCandles(PARAMS.crypto, week);
    assert.equal(bars.length, 7 * 1440);
    assert.ok(bars.every((b, i) => b.openTimeMs === START + i * MINUTE));
  });
});

/** Lag-1 autocorrelation of |log return| within bars, with the intraday variance profile divided out. */
function absReturnAutocorrelation(candles: readonly Candle[], params: GeneratorParams): number {
  const r = candles.map((c) =>
    Math.abs(Math.log(c.close / c.open)) / Math.sqrt(intradayProfile(params.session, c.openTimeMs))
  );
  const mean = r.reduce((a, b) => a + b, 0) / r.length;
  let num = 0, den = 0;
  for (let i = 0; i < r.length; i++) {
    den += (r[i] - mean) ** 2;
    if (i > 0) num += (r[i] - mean) * (r[i - 1] - mean);
  }
  return num / den;
}

Deno.test("generateCandles() clusters volatility: |returns| are autocorrelated, and not without GARCH", async (t) => {
  for (const name of ["equity", "fx", "crypto"]) {
    await t.step(name, () => {
      const params = PARAMS[name];
      const withGarch = absReturnAutocorrelation(generateCandles(params, { startMs: START, count: 100_000 }), params);
      const flat = { ...params, garch: { alpha: 0, beta: 0 } };
      const without = absReturnAutocorrelation(generateCandles(flat, { startMs: START, count: 100_000 }), flat);
      assert.ok(withGarch > 0.06, `autocorrelation with GARCH ${withGarch.toFixed(3)}`);
      assert.ok(Math.abs(without) < 0.03, `autocorrelation without GARCH ${without.toFixed(3)}`);
    });
  }
});

Deno.test("generateCandles() gives US equities a U-shaped volume day", () => {
  const bars = generateCandles(PARAMS.equity, { startMs: START, count: 10 * 390 });
  const sums = { open: 0, midday: 0, close: 0 };
  const counts = { open: 0, midday: 0, close: 0 };
  for (const b of bars) {
    const m = newYorkLocal(b.openTimeMs).minuteOfDay - 570;
    const part = m < 30 ? "open" : m >= 360 ? "close" : m >= 165 && m < 225 ? "midday" : null;
    if (part === null) continue;
    sums[part] += b.volume;
    counts[part]++;
  }
  assert.deepEqual(counts, { open: 300, midday: 600, close: 300 });
  const open = sums.open / counts.open, midday = sums.midday / counts.midday, close = sums.close / counts.close;
  assert.ok(open > 1.5 * midday, `open ${open.toFixed(0)} vs midday ${midday.toFixed(0)}`);
  assert.ok(close > 1.5 * midday, `close ${close.toFixed(0)} vs midday ${midday.toFixed(0)}`);
});

Deno.test("generateCandles() refuses bad parameters with the value in the message", async (t) => {
  const cases: [string, Partial<GeneratorParams>, RegExp][] = [
    ["tick", { tickSize: 0 }, /tickSize is 0/],
    ["price", { startPrice: -1 }, /startPrice is -1/],
    ["seed", { seed: 1.5 }, /seed is 1.5/],
    ["garch", { garch: { alpha: 0.5, beta: 0.6 } }, /alpha \+ beta < 1/],
  ];
  for (const [name, patch, message] of cases) {
    await t.step(name, () => {
      assert.throws(() => generateCandles({ ...PARAMS.equity, ...patch }, { startMs: START, count: 1 }), message);
    });
  }
  await t.step(
    "no end",
    () => assert.throws(() => generateCandles(PARAMS.equity, { startMs: START }), /count or endMs/),
  );
});
