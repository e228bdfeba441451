import assert from "node:assert/strict";
import { createCandleWindow } from "../../core/ingest/candleWindow.ts";
import { quoteOf } from "../../core/terminal/quoteOf.ts";
import type { Candle } from "../../core/wire/types.ts";

const DAY = 86_400_000;
const T0 = Date.UTC(2024, 2, 4);

function candle(openTimeMs: number, open: number, close: number, volume: number): Candle {
  return { openTimeMs, open, high: Math.max(open, close), low: Math.min(open, close), close, volume };
}

Deno.test("quoteOf(): change against the previous session's close, session volume", () => {
  const window = createCandleWindow({ capacity: 100 });
  window.seed("AAPL|1m", [candle(T0 + DAY + 60_000, 101, 102, 10), candle(T0 + DAY + 120_000, 102, 103, 20)]);
  window.seed("AAPL|1d", [candle(T0, 95, 100, 1000), candle(T0 + DAY, 101, 103, 30)]);
  assert.deepEqual(quoteOf(window, "AAPL"), {
    symbol: "AAPL",
    last: 103,
    change: 3,
    changePct: 3,
    volume: 30,
    barMs: T0 + DAY + 120_000,
    reference: "previous_close",
    interval: "1m",
  });
});

Deno.test("quoteOf(): without an earlier session, against the window's first open; null without bars", () => {
  const window = createCandleWindow({ capacity: 100 });
  window.seed("EURUSD|1m", [candle(T0, 1.08, 1.081, 5), candle(T0 + 60_000, 1.081, 1.0795, 7)]);
  const quote = quoteOf(window, "EURUSD")!;
  assert.equal(quote.reference, "first_bar");
  assert.ok(Math.abs(quote.change - -0.0005) < 1e-12);
  assert.equal(quote.volume, 7);
  assert.equal(quoteOf(window, "NONE"), null);
  // A symbol with only daily bars quotes from them.
  window.seed("SPX|1d", [candle(T0, 5000, 5100, 1), candle(T0 + DAY, 5100, 5050, 2)]);
  assert.deepEqual({ ...quoteOf(window, "SPX")!, changePct: null }, {
    symbol: "SPX",
    last: 5050,
    change: -50,
    changePct: null,
    volume: 2,
    barMs: T0 + DAY,
    reference: "previous_close",
    interval: "1d",
  });
});
