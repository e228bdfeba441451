import assert from "node:assert/strict";
import { bucketStart, CHART_INTERVALS, parseInterval, resampleTargets } from "../../core/ingest/interval.ts";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

Deno.test("parseInterval() reads a number and a unit into milliseconds", async (t) => {
  const cases: [string, number][] = [
    ["30s", 30_000],
    ["1m", MINUTE],
    ["5m", 5 * MINUTE],
    ["15m", 15 * MINUTE],
    ["1h", HOUR],
    ["4h", 4 * HOUR],
    ["1d", DAY],
    ["1w", 7 * DAY],
    ["90m", 90 * MINUTE],
  ];
  for (const [text, ms] of cases) {
    await t.step(text, () => assert.equal(parseInterval(text), ms));
  }
});

Deno.test("parseInterval() rejects anything else with a RangeError that names the value", async (t) => {
  for (const text of ["7x", "", "m", "0m", "01m", "1M", "1.5h", "-1m", " 1m", "1m ", "1mm", "99999999999d"]) {
    await t.step(JSON.stringify(text), () => {
      assert.throws(() => parseInterval(text), {
        name: "RangeError",
        message: `Unknown interval ${JSON.stringify(text)}: expected a number and a unit s, m, h, d or w, e.g. "5m"`,
      });
    });
  }
});

Deno.test("parseInterval() error message matches the documented text", () => {
  assert.throws(() => parseInterval("7x"), {
    message: 'Unknown interval "7x": expected a number and a unit s, m, h, d or w, e.g. "5m"',
  });
});

Deno.test("bucketStart() aligns to UTC boundaries", async (t) => {
  const at = (iso: string): number => Date.parse(iso);
  const cases: { name: string; time: string; interval: string; start: string }[] = [
    { name: "1m", time: "2024-03-05T13:47:31.250Z", interval: "1m", start: "2024-03-05T13:47:00.000Z" },
    { name: "5m", time: "2024-03-05T13:47:31.250Z", interval: "5m", start: "2024-03-05T13:45:00.000Z" },
    { name: "15m", time: "2024-03-05T13:47:31.250Z", interval: "15m", start: "2024-03-05T13:45:00.000Z" },
    { name: "1h", time: "2024-03-05T13:47:31.250Z", interval: "1h", start: "2024-03-05T13:00:00.000Z" },
    { name: "4h", time: "2024-03-05T13:47:31.250Z", interval: "4h", start: "2024-03-05T12:00:00.000Z" },
    { name: "4h at 03:59", time: "2024-03-05T03:59:00.000Z", interval: "4h", start: "2024-03-05T00:00:00.000Z" },
    { name: "1d", time: "2024-03-05T23:59:59.999Z", interval: "1d", start: "2024-03-05T00:00:00.000Z" },
    { name: "1d at midnight", time: "2024-03-06T00:00:00.000Z", interval: "1d", start: "2024-03-06T00:00:00.000Z" },
    // 2024-03-05 is a Tuesday; its week started Monday 2024-03-04.
    { name: "1w mid-week", time: "2024-03-05T13:47:31.250Z", interval: "1w", start: "2024-03-04T00:00:00.000Z" },
    { name: "1w on Sunday", time: "2024-03-10T23:59:00.000Z", interval: "1w", start: "2024-03-04T00:00:00.000Z" },
    { name: "1w on Monday", time: "2024-03-11T00:00:00.000Z", interval: "1w", start: "2024-03-11T00:00:00.000Z" },
    // Two-week buckets count from Monday 1970-01-05.
    { name: "2w", time: "2024-03-17T00:00:00.000Z", interval: "2w", start: "2024-03-04T00:00:00.000Z" },
    { name: "2w next", time: "2024-03-18T00:00:00.000Z", interval: "2w", start: "2024-03-18T00:00:00.000Z" },
    { name: "before 1970", time: "1969-12-31T23:59:30.000Z", interval: "1m", start: "1969-12-31T23:59:00.000Z" },
    { name: "30s", time: "2024-03-05T13:47:31.250Z", interval: "30s", start: "2024-03-05T13:47:30.000Z" },
  ];
  for (const c of cases) {
    await t.step(c.name, () => {
      const start = bucketStart(at(c.time), parseInterval(c.interval));
      assert.equal(new Date(start).toISOString(), c.start);
    });
  }
  await t.step("every week bucket starts on a Monday", () => {
    for (let day = 0; day < 60; day++) {
      const start = bucketStart(at("2024-01-01T00:00:00Z") + day * DAY + 5 * HOUR, 7 * DAY);
      assert.equal(new Date(start).getUTCDay(), 1);
    }
  });
  await t.step("a bad interval is a RangeError", () => {
    assert.throws(() => bucketStart(0, 0), RangeError);
    assert.throws(() => bucketStart(0, 1.5), RangeError);
  });
});

Deno.test("resampleTargets() lists the longer chart intervals that are whole multiples of the base", async (t) => {
  const cases: [string, string[]][] = [
    ["30s", [...CHART_INTERVALS]],
    ["1m", ["5m", "15m", "1h", "4h", "1d"]],
    ["5m", ["15m", "1h", "4h", "1d"]],
    ["15m", ["1h", "4h", "1d"]],
    ["2h", ["4h", "1d"]],
    ["7m", []],
    ["1d", []],
  ];
  for (const [base, targets] of cases) {
    await t.step(base, () => assert.deepEqual(resampleTargets(base), targets));
  }
  await t.step("a bad base is a RangeError", () => assert.throws(() => resampleTargets("1x"), RangeError));
});
