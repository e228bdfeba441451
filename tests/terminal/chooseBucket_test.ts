import assert from "node:assert/strict";
import { parseInterval } from "../../core/ingest/interval.ts";
import { bucketCount, chooseBucket, intervalName } from "../../core/terminal/chooseBucket.ts";

const MIN = 60_000;
const DAY = 86_400_000;
const T0 = Date.UTC(2024, 2, 4);

Deno.test("chooseBucket() picks the shortest bucket that fits, a whole multiple of the interval", async (t) => {
  const cases: [string, string, number, number, string][] = [
    // interval, span, maxRows, → bucket
    ["fits as is", "1m", 300 * MIN, 300, "1m"],
    ["one bar too many", "1m", 300 * MIN, 299, "2m"],
    ["a day of 1m in 200 rows", "1m", DAY, 200, "10m"],
    ["a week of 1m in 400 rows", "1m", 7 * DAY, 400, "30m"],
    ["5m never goes to 2m or 10m... 10m is a multiple", "5m", DAY, 200, "10m"],
    ["15m skips 10m", "15m", 30 * DAY, 500, "2h"],
    ["a year of 1d in 100 rows", "1d", 365 * DAY, 100, "1w"],
    ["twenty years of 1d in 300 rows", "1d", 20 * 365 * DAY, 300, "4w"],
    ["past the ladder: multiples of 4 weeks", "1d", 20 * 365 * DAY, 50, "24w"],
  ];
  for (const [name, interval, spanMs, maxRows, expected] of cases) {
    await t.step(name, () => {
      const range = { fromMs: T0, toMs: T0 + spanMs };
      const bucket = chooseBucket(interval, range, { maxRows });
      assert.equal(bucket.name, expected);
      assert.equal(bucket.ms, parseInterval(expected));
      assert.equal(bucket.ms % parseInterval(interval), 0);
      assert.ok(bucketCount(range.fromMs, range.toMs, bucket.ms) <= maxRows);
    });
  }
  await t.step("a minimum bucket is kept", () => {
    assert.equal(
      chooseBucket("1m", { fromMs: T0, toMs: T0 + 10 * MIN }, { maxRows: 100, minBucketMs: 15 * MIN }).name,
      "15m",
    );
  });
  await t.step("unaligned ranges count the partial buckets at both ends", () => {
    assert.equal(bucketCount(T0 + 30_000, T0 + 2 * MIN + 1, MIN), 3);
    assert.equal(bucketCount(T0, T0, MIN), 0);
  });
  await t.step("interval names", () => {
    assert.equal(intervalName(4 * 7 * DAY), "4w");
    assert.equal(intervalName(90 * MIN), "90m");
    assert.throws(() => intervalName(1500), RangeError);
  });
});
