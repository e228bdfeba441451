import assert from "node:assert/strict";
import type { Candle } from "../../core/wire/types.ts";
import { formatCandleCsv } from "../../core/market/formatCandleCsv.ts";
import { formatIsoUtc, parseIsoUtc } from "../../core/market/isoUtc.ts";
import { parseCandleCsv } from "../../core/market/parseCandleCsv.ts";
import { readCandleCsv } from "../../core/market/readCandleCsv.ts";

const HEADER = "open_time,open,high,low,close,volume";

Deno.test("parseIsoUtc() reads UTC times and dates and refuses the rest", async (t) => {
  const cases: [string, number | null][] = [
    ["2024-03-04T14:30:00Z", Date.UTC(2024, 2, 4, 14, 30)],
    ["2024-03-04T14:30Z", Date.UTC(2024, 2, 4, 14, 30)],
    ["2024-03-04T14:30:00.250Z", Date.UTC(2024, 2, 4, 14, 30, 0, 250)],
    ["2024-03-04T14:30:00+00:00", Date.UTC(2024, 2, 4, 14, 30)],
    ["2024-03-04", Date.UTC(2024, 2, 4)],
    ["2024-02-29", Date.UTC(2024, 1, 29)],
    ["2023-02-29", null],
    ["2024-03-04T14:30:00", null],
    ["2024-03-04T14:30:00+01:00", null],
    ["2024-03-04T24:00:00Z", null],
    ["1709562600000", null],
    ["", null],
  ];
  for (const [text, expected] of cases) {
    await t.step(JSON.stringify(text), () => assert.equal(parseIsoUtc(text), expected));
  }
  await t.step("formatIsoUtc() round-trips", () => {
    assert.equal(formatIsoUtc(Date.UTC(2024, 2, 4, 14, 30)), "2024-03-04T14:30:00Z");
    assert.equal(formatIsoUtc(Date.UTC(2024, 2, 4), { dateOnly: true }), "2024-03-04");
    assert.throws(() => formatIsoUtc(Date.UTC(2024, 2, 4, 1), { dateOnly: true }), RangeError);
  });
});

Deno.test("parseCandleCsv() keeps good rows and reports bad, inconsistent and out-of-order ones", () => {
  const text = [
    HEADER, // 1
    "2024-03-04T14:30:00Z,100,101,99.5,100.5,1200", // 2 ok
    "2024-03-04T14:31:00Z,100.5,100.4,99,100,10", // 3 high below open
    "2024-03-04T14:32:00Z,100.5,101,100.2,100.1,10", // 4 low above close
    "2024-03-04T14:33:00Z,abc,101,99,100,10", // 5 bad number
    "yesterday,100,101,99,100,10", // 6 bad time
    "2024-03-04T14:30:00Z,100,101,99,100,10", // 7 not ascending (== line 2)
    "2024-03-04T14:34:00Z,100,101,99,100,-1", // 8 negative volume
    "2024-03-04T14:35:00Z,100,101,99,100", // 9 missing column
    "2024-03-04T14:36:00Z,100.5,102,100,101.5,0", // 10 ok
  ].join("\r\n");
  const { candles, errors } = parseCandleCsv(text, { file: "x.csv" });
  assert.deepEqual(candles, [
    { openTimeMs: Date.UTC(2024, 2, 4, 14, 30), open: 100, high: 101, low: 99.5, close: 100.5, volume: 1200 },
    { openTimeMs: Date.UTC(2024, 2, 4, 14, 36), open: 100.5, high: 102, low: 100, close: 101.5, volume: 0 },
  ]);
  assert.deepEqual(errors.map((e) => [e.line, e.column]), [
    [3, "high"],
    [4, "low"],
    [5, "open"],
    [6, "open_time"],
    [7, "open_time"],
    [8, "volume"],
    [9, "volume"],
  ]);
  assert.equal(
    errors[0].message,
    "x.csv:3: column high: inconsistent OHLC: high 100.4 is below max(open 100.5, close 100)",
  );
  assert.equal(errors[2].message, 'x.csv:5: column open: expected a positive number, got "abc"');
  assert.match(errors[4].message, /not ascending: 2024-03-04T14:30:00Z is not after 2024-03-04T14:30:00Z \(line 2\)/);
});

Deno.test("formatCandleCsv() and parseCandleCsv() round-trip, daily bars as dates", async (t) => {
  const candles: Candle[] = [
    { openTimeMs: Date.UTC(2024, 2, 4), open: 5130.1, high: 5140, low: 5100.25, close: 5120.5, volume: 3.5e9 },
    { openTimeMs: Date.UTC(2024, 2, 5), open: 5120.5, high: 5121, low: 5050, close: 5078.65, volume: 4.1e9 },
  ];
  await t.step("dates", () => {
    const text = formatCandleCsv(candles, { dateOnly: true });
    assert.equal(text.split("\n")[1], "2024-03-04,5130.1,5140,5100.25,5120.5,3500000000");
    assert.deepEqual(parseCandleCsv(text, { file: "d.csv" }), { candles, errors: [] });
  });
  await t.step("fixed decimals", () => {
    const text = formatCandleCsv(candles, { priceDecimals: 2, volumeDecimals: 0 });
    assert.equal(text.split("\n")[1], "2024-03-04T00:00:00Z,5130.10,5140.00,5100.25,5120.50,3500000000");
    assert.deepEqual(parseCandleCsv(text, { file: "d.csv" }).candles, candles);
  });
});

Deno.test("readCandleCsv() names the file it cannot find", async () => {
  await assert.rejects(
    () => readCandleCsv("data/candles/NOPE_1m.csv"),
    /Cannot read candle file data\/candles\/NOPE_1m.csv: it does not exist/,
  );
});
