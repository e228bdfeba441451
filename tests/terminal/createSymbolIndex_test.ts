import assert from "node:assert/strict";
import { createSymbolIndex } from "../../core/terminal/createSymbolIndex.ts";
import type { Instrument } from "../../core/market/types.ts";

function instrument(symbol: string, name: string): Instrument {
  return { symbol, name, exchange: "X", assetClass: "equity", currency: "USD", tickSize: 0.01 };
}

const index = createSymbolIndex([
  instrument("AAPL", "Apple Inc."),
  instrument("AAP", "Advance Auto Parts"),
  instrument("APLE", "Apple Hospitality REIT"),
  instrument("MSFT", "Microsoft Corporation"),
  instrument("MU", "Micron Technology"),
  instrument("BTCUSD", "Bitcoin / U.S. Dollar"),
  instrument("BTCEUR", "Bitcoin / Euro"),
  instrument("PAPL", "Pineapple Holdings"),
  instrument("BAC", "Bank of America Corporation"),
]);

function symbols(query: string, isLive?: (symbol: string) => boolean): string[] {
  return index.search(query, { isLive }).map((hit) => hit.symbol);
}

Deno.test("createSymbolIndex() ranks symbol and name matches by tier", async (t) => {
  const cases: [string, string[]][] = [
    // exact symbol, then symbol prefixes (shorter first), then name-word prefixes, then substrings
    ["AAP", ["AAP", "AAPL"]],
    ["aapl", ["AAPL"]],
    ["appl", ["AAPL", "APLE"]],
    ["apple", ["AAPL", "APLE", "PAPL"]],
    ["micro", ["MU", "MSFT"]],
    ["bank of", ["BAC"]],
    ["msf", ["MSFT"]],
    ["mft", ["MSFT"]],
    ["zzz", []],
  ];
  for (const [query, expected] of cases) {
    await t.step(JSON.stringify(query), () => assert.deepEqual(symbols(query).slice(0, expected.length), expected));
  }
  await t.step("a symbol with live data leads its tier", () => {
    assert.deepEqual(symbols("bitcoin").slice(0, 2), ["BTCEUR", "BTCUSD"]);
    assert.deepEqual(symbols("bitcoin", (s) => s === "BTCUSD").slice(0, 2), ["BTCUSD", "BTCEUR"]);
    assert.equal(index.search("bitcoin", { isLive: (s) => s === "BTCUSD" })[0].live, true);
  });
  await t.step("an empty query lists symbols, live ones first; the limit holds", () => {
    assert.equal(symbols("", (s) => s === "MU")[0], "MU");
    assert.equal(index.search("", { limit: 3 }).length, 3);
  });
  await t.step("hits carry name, exchange and class", () => {
    assert.deepEqual(index.search("MSFT")[0], {
      symbol: "MSFT",
      name: "Microsoft Corporation",
      exchange: "X",
      assetClass: "equity",
      live: false,
    });
  });
});
