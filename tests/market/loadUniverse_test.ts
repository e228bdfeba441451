import assert from "node:assert/strict";
import { loadUniverse } from "../../core/market/loadUniverse.ts";
import { readCandleCsv } from "../../core/market/readCandleCsv.ts";
import { SYMBOL_PATTERN } from "../../core/market/parseUniverse.ts";

/** The repository's data directory, whatever directory the tests run from. */
const DATA_DIR = new URL("../../data", import.meta.url).pathname;
const MAPPING_HEADER = "symbol,source,file,interval,seed,start_price,drift,volatility,base_volume,session";

async function withDataDir(
  files: Record<string, string>,
  body: (dir: string) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "fluxbook-universe-" });
  try {
    for (const [name, text] of Object.entries(files)) {
      const path = `${dir}/${name}`;
      await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
      await Deno.writeTextFile(path, text);
    }
    await body(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("loadUniverse() skips bad rows with file, line and column, and keeps the good ones", async () => {
  const universe = [
    "symbol,name,exchange,asset_class,currency,tick_size",
    "AAPL,Apple Inc.,NASDAQ,equity,USD,0.01", // 2
    'AMZN,"Amazon.com, Inc.",NASDAQ,equity,USD,0.01', // 3
    "BAD1,Bad Tick,NYSE,equity,USD,abc", // 4
    "BAD2,Bad Class,NYSE,bond,USD,0.01", // 5
    "BAD3,Short Row,NYSE,equity", // 6
    "AAPL,Apple again,NASDAQ,equity,USD,0.01", // 7
    "BRK.B,Dotted,NYSE,equity,USD,0.01", // 8
    'Q,"Say ""Q""",NYSE,etf,USD,0.05', // 9
    "EURUSD,Euro / U.S. Dollar,FX,fx,USD,0.00001", // 10
    "ZERO,Zero Tick,NYSE,equity,USD,0", // 11
  ].join("\r\n");
  const mapping = [
    MAPPING_HEADER,
    "AAPL,file,candles/AAPL_1m.csv,1m,,,,,,us_equity", // 2
    "AMZN,generator,,1m,7,178,0.08,0.3,1000,us_equity", // 3
    "Q,generator,,1m,8,50,0.05,oops,1000,us_equity", // 4
    "EURUSD,generator,,1m,9,1.085,0,0.07,300,24x7", // 5
    "NOPE,generator,,1m,1,10,0,0.2,10,24x7", // 6
    "AMZN,generator,,1m,7,178,0.08,0.3,1000,us_equity", // 7
    "EURUSD,file,candles/missing.csv,1d,,,,,,", // 8
    "Q,generator,,5m,8,50,0.05,0.2,1000,us_equity", // 9
    "Q,stream,,1h,,,,,,", // 10
  ].join("\n");
  await withDataDir({
    "universe.csv": universe,
    "mapping.csv": mapping,
    "candles/AAPL_1m.csv": "open_time,open,high,low,close,volume\n",
  }, async (dir) => {
    const u = await loadUniverse(dir);
    assert.deepEqual(u.instruments.map((i) => i.symbol), ["AAPL", "AMZN", "Q", "EURUSD"]);
    assert.equal(u.instruments[1].name, "Amazon.com, Inc.");
    assert.equal(u.instruments[2].name, 'Say "Q"');
    assert.equal(u.instruments[3].tickSize, 0.00001);

    const uf = `${dir}/universe.csv`;
    const mf = `${dir}/mapping.csv`;
    const where = u.errors.map((e) => `${e.file === uf ? "U" : e.file === mf ? "M" : e.file}:${e.line}:${e.column}`);
    assert.deepEqual(where, [
      "U:4:tick_size",
      "U:5:asset_class",
      "U:6:currency",
      "U:7:symbol",
      "U:8:symbol",
      "U:11:tick_size",
      "M:4:volatility",
      "M:6:symbol",
      "M:7:interval",
      "M:9:interval",
      "M:10:source",
      "M:8:file",
    ]);
    const tick = u.errors[0];
    assert.equal(tick.message, `${uf}:4: column tick_size: expected a positive number, got "abc"`);
    assert.match(u.errors[1].message, /expected one of equity, etf, fx, crypto, index, got "bond"/);
    assert.match(u.errors[2].message, /missing \(row has 4 of 6 fields\)/);
    assert.match(u.errors[3].message, /duplicate symbol "AAPL", first defined on line 2/);
    assert.match(u.errors.find((e) => e.file === mf && e.line === 8)!.message, /does not exist/);

    assert.deepEqual(u.mappings.map((m) => `${m.symbol}.${m.interval}.${m.kind}`), [
      "AAPL.1m.file",
      "AMZN.1m.generator",
      "EURUSD.1m.generator",
    ]);
    const aapl = u.mappings[0];
    assert.equal(aapl.kind, "file");
    if (aapl.kind === "file") {
      assert.equal(aapl.path, `${dir}/candles/AAPL_1m.csv`);
      assert.equal(aapl.generator, null);
    }
    assert.deepEqual(u.mappings[1].generator, {
      seed: 7,
      startPrice: 178,
      drift: 0.08,
      volatility: 0.3,
      baseVolume: 1000,
      session: "us_equity",
    });
  });
});

Deno.test("loadUniverse() throws a clear error for a missing file and a header-level error for a bad header", async (t) => {
  await t.step("missing mapping.csv", async () => {
    await withDataDir({ "universe.csv": "symbol,name,exchange,asset_class,currency,tick_size\n" }, async (dir) => {
      await assert.rejects(() => loadUniverse(dir), (error: Error) => {
        assert.match(error.message, new RegExp(`mapping file ${dir}/mapping.csv: it does not exist`));
        assert.match(error.message, /data directory/);
        return true;
      });
    });
  });

  await t.step("header lacks a column", async () => {
    await withDataDir({
      "universe.csv": "symbol,name,exchange,currency,tick_size\nAAPL,Apple Inc.,NASDAQ,USD,0.01\n",
      "mapping.csv": MAPPING_HEADER + "\n",
    }, async (dir) => {
      const u = await loadUniverse(dir);
      assert.equal(u.instruments.length, 0);
      assert.equal(u.errors.length, 1);
      assert.equal(u.errors[0].line, 1);
      assert.equal(u.errors[0].column, "asset_class");
      assert.match(u.errors[0].message, /header lacks "asset_class"/);
    });
  });
});

Deno.test("the shipped data/universe.csv and data/mapping.csv load without errors", async () => {
  const u = await loadUniverse(DATA_DIR);
  assert.deepEqual(u.errors, []);
  assert.ok(u.instruments.length >= 300, `only ${u.instruments.length} instruments`);
  for (const i of u.instruments) assert.match(i.symbol, SYMBOL_PATTERN);
  const classes = new Set(u.instruments.map((i) => i.assetClass));
  assert.deepEqual([...classes].sort(), ["crypto", "equity", "etf", "fx", "index"]);
  assert.ok(u.instruments.some((i) => i.name.includes(",")), "no name with a comma: quoting is untested");

  const mapped = new Set(u.mappings.map((m) => m.symbol));
  const unmapped = u.instruments.filter((i) => !mapped.has(i.symbol)).map((i) => i.symbol);
  assert.deepEqual(unmapped, []);

  const files = u.mappings.filter((m) => m.kind === "file");
  assert.ok(files.length >= 9, `only ${files.length} shipped files`);
  let bytes = 0;
  for (const m of files) {
    const stat = await Deno.stat(m.path);
    bytes += stat.size;
    const { candles, errors } = await readCandleCsv(m.path);
    assert.deepEqual(errors, [], m.path);
    assert.ok(candles.length > 0, `${m.path} is empty`);
  }
  assert.ok(bytes <= 5_000_000, `shipped candles take ${bytes} bytes`);
  const spx = files.find((m) => m.symbol === "SPX" && m.interval === "1d");
  assert.ok(spx, "the real S&P 500 daily series is mapped");
});
