import assert from "node:assert/strict";
import { loadUniverse } from "../../core/market/loadUniverse.ts";
import { DEFAULT_DAYS, parseGenerateFlags } from "../../scripts/generate.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

async function generate(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "scripts/generate.ts", ...args],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}

async function readDir(dir: string): Promise<Map<string, Uint8Array>> {
  const files = new Map<string, Uint8Array>();
  for await (const entry of Deno.readDir(dir)) files.set(entry.name, await Deno.readFile(`${dir}/${entry.name}`));
  return files;
}

async function withTempDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "fluxbook-generate-" });
  try {
    await body(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("parseGenerateFlags() reads flags and rejects bad ones with a one-line reason", async (t) => {
  await t.step("defaults", () => {
    const parsed = parseGenerateFlags([]);
    assert.equal(parsed.kind, "ok");
    if (parsed.kind === "ok") {
      assert.equal(parsed.flags.symbols, "sample");
      assert.equal(parsed.flags.days, DEFAULT_DAYS);
      assert.equal(parsed.flags.seed, null);
    }
  });
  await t.step("values, both spellings", () => {
    const parsed = parseGenerateFlags([
      "--symbols",
      "AAPL,BTCUSD,AAPL",
      "--days=2",
      "--start",
      "2024-01-02",
      "--seed=9",
      "--db",
      "c.duckdb",
    ]);
    assert.deepEqual(parsed.kind === "ok" && parsed.flags, {
      symbols: ["AAPL", "BTCUSD"],
      days: 2,
      startMs: Date.UTC(2024, 0, 2),
      seed: 9,
      out: null,
      db: "c.duckdb",
      data: "data",
      quiet: false,
      help: false,
    });
  });
  const bad: [string[], RegExp][] = [
    [["--days", "x"], /--days expects a whole number of days in 1..3660, got "x"/],
    [["--days", "0"], /--days/],
    [["--days"], /got nothing/],
    [["--start", "2024-13-01"], /--start expects a UTC date like 2024-03-04, got "2024-13-01"/],
    [["--seed", "-1"], /--seed expects an integer/],
    [["--symbols", ","], /--symbols needs at least one symbol/],
    [["--db"], /--db needs a cache file/],
    [["--frobnicate"], /unknown flag "--frobnicate"/],
  ];
  for (const [args, reason] of bad) {
    await t.step(args.join(" "), () => {
      const parsed = parseGenerateFlags(args);
      assert.equal(parsed.kind, "rejected");
      if (parsed.kind === "rejected") {
        assert.match(parsed.reason, reason);
        assert.ok(!parsed.reason.includes("\n"));
      }
    });
  }
});

Deno.test("deno task generate without flags rewrites the shipped sample byte for byte", async () => {
  await withTempDir(async (dir) => {
    const run = await generate(["--out", dir]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /generate: \d+ symbols, \d+ rows, \d+ bytes .* in [\d.]+ s/);
    const written = await readDir(dir);
    const { mappings } = await loadUniverse(`${ROOT}data`);
    const sample = mappings.filter((m) => m.kind === "file" && m.generator !== null);
    assert.deepEqual([...written.keys()].sort(), sample.map((m) => `${m.symbol}_1m.csv`).sort());
    for (const m of sample) {
      const shipped = await Deno.readFile(`${ROOT}data/candles/${m.symbol}_1m.csv`);
      assert.ok(written.get(`${m.symbol}_1m.csv`)!.every((b, i) => b === shipped[i]), `${m.symbol} differs`);
      assert.equal(written.get(`${m.symbol}_1m.csv`)!.length, shipped.length);
    }
  });
});

Deno.test("deno task generate --seed: the same seed gives the same bytes, another seed others", async () => {
  await withTempDir(async (dir) => {
    const args = ["--symbols", "AAPL,EURUSD,BTCUSD,VIX", "--days", "3", "--quiet"];
    for (const [name, seed] of [["a", "7"], ["b", "7"], ["c", "8"]]) {
      const run = await generate([...args, "--seed", seed, "--out", `${dir}/${name}`]);
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stdout, "");
    }
    const [a, b, c] = await Promise.all(["a", "b", "c"].map((n) => readDir(`${dir}/${n}`)));
    assert.equal(a.size, 4);
    for (const [file, bytes] of a) {
      assert.deepEqual(b.get(file), bytes, `${file}: same seed, other bytes`);
      assert.notDeepEqual(c.get(file), bytes, `${file}: other seed, same bytes`);
    }
    const shipped = await Deno.readFile(`${ROOT}data/candles/AAPL_1m.csv`);
    assert.notDeepEqual(a.get("AAPL_1m.csv"), shipped.subarray(0, a.get("AAPL_1m.csv")!.length));
  });
});

Deno.test("deno task generate exits 2 with one line, not a stack trace, on bad usage", async (t) => {
  const cases: [string[], RegExp][] = [
    [["--db", "x.duckdb", "--out", "dir"], /give --out or --db, not both/],
    [["--days", "lots"], /--days expects a whole number/],
    [["--symbols", "NOPE"], /unknown symbol "NOPE": not in universe.csv/],
  ];
  for (const [args, message] of cases) {
    await t.step(args.join(" "), async () => {
      const run = await generate(args);
      assert.equal(run.code, 2);
      assert.match(run.stderr, message);
      assert.equal(run.stderr.trim().split("\n").length, 1, run.stderr);
      assert.doesNotMatch(run.stderr, /\bat .*\.ts:\d+/);
    });
  }
});

Deno.test("deno task generate --db writes the same bars into a DuckDB cache, committed per symbol", async () => {
  const dir = await Deno.makeTempDir({ prefix: "fluxbook-generate-db-" });
  try {
    const db = `${dir}/cache.duckdb`;
    const run = await generate(["--symbols", "AAPL,BTCUSD", "--days", "2", "--db", db]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /2 symbols, \d+ rows in [\d.]+ s -> /);
    const csv = await generate(["--symbols", "AAPL,BTCUSD", "--days", "2", "--out", `${dir}/csv`]);
    assert.equal(csv.code, 0, csv.stderr);
    const { DuckDBInstance } = await import("@duckdb/node-api");
    const instance = await DuckDBInstance.create(db, { access_mode: "READ_ONLY" });
    const connection = await instance.connect();
    try {
      for (const symbol of ["AAPL", "BTCUSD"]) {
        const text = await Deno.readTextFile(`${dir}/csv/${symbol}_1m.csv`);
        const lines = text.trim().split("\n").slice(1);
        const rows = (await connection.runAndReadAll(
          `SELECT strftime(open_time, '%Y-%m-%dT%H:%M:%SZ'), close, origin, source FROM candles_latest
           WHERE symbol = $1 AND interval = '1m' ORDER BY open_time`,
          [symbol],
        )).getRows();
        assert.equal(rows.length, lines.length, `${symbol}: one row per CSV line`);
        const [firstTime, , , , close] = lines[0].split(",");
        assert.deepEqual([rows[0][0], rows[0][1], rows[0][2], rows[0][3]], [
          firstTime,
          Number(close),
          "backfill",
          "generate",
        ]);
      }
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
