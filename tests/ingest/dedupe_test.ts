import assert from "node:assert/strict";
import { type BarRevision, createDeduper, type DedupeOutcome } from "../../core/ingest/dedupe.ts";

const KEY = "AAPL|1m";
const T0 = Date.parse("2024-03-05T14:30:00Z");
const MINUTE = 60_000;

interface Offer {
  openTimeMs?: number;
  key?: string;
  epochRank: number;
  seq: number;
  partial: boolean;
  expect: DedupeOutcome;
}

const cases: { name: string; offers: Offer[] }[] = [
  {
    name: "a bar never seen is new",
    offers: [{ epochRank: 0, seq: 1, partial: false, expect: "new" }],
  },
  {
    name: "the same epoch and seq again is a duplicate",
    offers: [
      { epochRank: 0, seq: 4, partial: true, expect: "new" },
      { epochRank: 0, seq: 4, partial: true, expect: "duplicate" },
    ],
  },
  {
    name: "a partial bar's later seq is a revision, an earlier one stale",
    offers: [
      { epochRank: 0, seq: 4, partial: true, expect: "new" },
      { epochRank: 0, seq: 5, partial: true, expect: "revision" },
      { epochRank: 0, seq: 3, partial: true, expect: "stale" },
      { epochRank: 0, seq: 4, partial: true, expect: "stale" },
    ],
  },
  {
    name: "the bar closing is a revision; after that the epoch cannot change it",
    offers: [
      { epochRank: 0, seq: 4, partial: true, expect: "new" },
      { epochRank: 0, seq: 5, partial: false, expect: "revision" },
      { epochRank: 0, seq: 6, partial: true, expect: "duplicate" },
      { epochRank: 0, seq: 9, partial: false, expect: "duplicate" },
      { epochRank: 0, seq: 2, partial: false, expect: "stale" },
    ],
  },
  {
    name: "a restart mid-bar: the new epoch's re-sent bar wins even with a lower seq",
    offers: [
      { epochRank: 0, seq: 900, partial: true, expect: "new" },
      { epochRank: 1, seq: 1, partial: true, expect: "revision" },
      { epochRank: 0, seq: 901, partial: true, expect: "stale" },
      { epochRank: 1, seq: 2, partial: false, expect: "revision" },
    ],
  },
  {
    name: "a newer epoch revises even a closed bar",
    offers: [
      { epochRank: 0, seq: 900, partial: false, expect: "new" },
      { epochRank: 1, seq: 1, partial: false, expect: "revision" },
      { epochRank: 1, seq: 1, partial: false, expect: "duplicate" },
    ],
  },
  {
    name: "an older epoch is stale even with a higher seq",
    offers: [
      { epochRank: 2, seq: 3, partial: true, expect: "new" },
      { epochRank: 1, seq: 5000, partial: false, expect: "stale" },
    ],
  },
  {
    name: "open times and keys are independent",
    offers: [
      { epochRank: 0, seq: 7, partial: false, expect: "new" },
      { openTimeMs: T0 + MINUTE, epochRank: 0, seq: 7, partial: true, expect: "new" },
      { key: "MSFT|1m", epochRank: 0, seq: 7, partial: false, expect: "new" },
      { key: "AAPL|5m", epochRank: 0, seq: 7, partial: false, expect: "new" },
      { epochRank: 0, seq: 7, partial: false, expect: "duplicate" },
    ],
  },
];

Deno.test("createDeduper().offer() keeps the newest revision of each bar", async (t) => {
  for (const c of cases) {
    await t.step(c.name, () => {
      const deduper = createDeduper();
      c.offers.forEach((offer, i) => {
        const outcome = deduper.offer(offer.key ?? KEY, { openTimeMs: offer.openTimeMs ?? T0 }, offer);
        assert.equal(outcome, offer.expect, `offer #${i}: ${JSON.stringify(offer)}`);
      });
    });
  }
});

Deno.test("createDeduper().seed() restores what the store knew", async (t) => {
  await t.step("a seeded closed bar is a duplicate within its epoch and revisable by a newer one", () => {
    const deduper = createDeduper();
    deduper.seed(KEY, [
      { openTimeMs: T0, epochRank: 0, seq: 10, partial: false },
      { openTimeMs: T0 + MINUTE, epochRank: 0, seq: 11, partial: true },
    ]);
    const rev = (epochRank: number, seq: number, partial: boolean): BarRevision => ({ epochRank, seq, partial });
    assert.equal(deduper.offer(KEY, { openTimeMs: T0 }, rev(0, 11, false)), "duplicate");
    assert.equal(deduper.offer(KEY, { openTimeMs: T0 + MINUTE }, rev(0, 11, true)), "duplicate");
    assert.equal(deduper.offer(KEY, { openTimeMs: T0 + MINUTE }, rev(0, 12, false)), "revision");
    assert.equal(deduper.offer(KEY, { openTimeMs: T0 }, rev(1, 1, true)), "revision");
    assert.equal(deduper.offer(KEY, { openTimeMs: T0 + 2 * MINUTE }, rev(1, 2, true)), "new");
  });

  await t.step("of several rows for one bar, the newest counts, in any order", () => {
    const deduper = createDeduper();
    deduper.seed(KEY, [
      { openTimeMs: T0, epochRank: 1, seq: 3, partial: true },
      { openTimeMs: T0, epochRank: 0, seq: 99, partial: false },
      { openTimeMs: T0, epochRank: 1, seq: 2, partial: true },
    ]);
    assert.equal(deduper.offer(KEY, { openTimeMs: T0 }, { epochRank: 1, seq: 3, partial: true }), "duplicate");
    assert.equal(deduper.offer(KEY, { openTimeMs: T0 }, { epochRank: 1, seq: 2, partial: true }), "stale");
    assert.equal(deduper.offer(KEY, { openTimeMs: T0 }, { epochRank: 1, seq: 4, partial: true }), "revision");
  });
});

Deno.test("createDeduper() remembers only the newest retainBars open times per key", async (t) => {
  const closed = (seq: number): BarRevision => ({ epochRank: 0, seq, partial: false });

  await t.step("old bars are forgotten: offering one again is new, and it is not remembered", () => {
    const retainBars = 4;
    const deduper = createDeduper({ retainBars });
    for (let i = 0; i < 100; i++) assert.equal(deduper.offer(KEY, { openTimeMs: T0 + i * MINUTE }, closed(i)), "new");
    for (let i = 96; i < 100; i++) {
      assert.equal(deduper.offer(KEY, { openTimeMs: T0 + i * MINUTE }, closed(i)), "duplicate", `bar ${i}`);
    }
    assert.equal(deduper.offer(KEY, { openTimeMs: T0 }, closed(0)), "new");
    assert.equal(deduper.offer(KEY, { openTimeMs: T0 }, closed(0)), "new", "a bar beyond the horizon is not kept");
  });

  await t.step("the bound holds: at most retainBars + retainBars/16 remembered", () => {
    const retainBars = 64;
    const deduper = createDeduper({ retainBars });
    const total = 1000;
    for (let i = 0; i < total; i++) deduper.offer(KEY, { openTimeMs: T0 + i * MINUTE }, closed(i));
    let remembered = 0;
    for (let i = total - 1; i >= 0; i--) {
      // Offering a forgotten bar does not re-remember it (it is older than every remembered one).
      if (deduper.offer(KEY, { openTimeMs: T0 + i * MINUTE }, closed(i)) === "duplicate") remembered++;
    }
    assert.ok(remembered >= retainBars, `remembered ${remembered}`);
    assert.ok(remembered <= retainBars + retainBars / 16, `remembered ${remembered}`);
  });

  await t.step("a backfilled bar inside the horizon is remembered in order", () => {
    const deduper = createDeduper({ retainBars: 4 });
    for (const i of [10, 12, 14]) deduper.offer(KEY, { openTimeMs: T0 + i * MINUTE }, closed(i));
    assert.equal(deduper.offer(KEY, { openTimeMs: T0 + 11 * MINUTE }, closed(11)), "new");
    assert.equal(deduper.offer(KEY, { openTimeMs: T0 + 11 * MINUTE }, closed(11)), "duplicate");
    assert.equal(deduper.offer(KEY, { openTimeMs: T0 + 13 * MINUTE }, closed(13)), "new");
    // Five remembered now (within the slack of one); a sixth trims back to the newest four, 12..15.
    for (const i of [15, 16]) deduper.offer(KEY, { openTimeMs: T0 + i * MINUTE }, closed(i));
    assert.equal(deduper.offer(KEY, { openTimeMs: T0 + 16 * MINUTE }, closed(16)), "duplicate");
    assert.equal(deduper.offer(KEY, { openTimeMs: T0 + 10 * MINUTE }, closed(10)), "new");
  });

  await t.step("a bad retainBars is a RangeError", () => {
    assert.throws(() => createDeduper({ retainBars: 0 }), RangeError);
  });
});
