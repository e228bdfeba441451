import assert from "node:assert/strict";
import { join } from "node:path";
import { openWatchlist } from "../../core/terminal/openWatchlist.ts";

const KNOWN = new Set(["AAPL", "MSFT", "SPY", "TSLA"]);
const options = { defaults: ["AAPL", "NOPE", "MSFT"], isKnown: (s: string) => KNOWN.has(s) };

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "fluxbook-watchlist-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("openWatchlist(): defaults until saved, then the file, across reopenings", () =>
  withDir(async (dir) => {
    const path = join(dir, "sub", "watchlist.json");
    const first = await openWatchlist(path, options);
    assert.deepEqual(first.symbols(), ["AAPL", "MSFT"], "unknown defaults are left out");
    assert.deepEqual(await first.save({ symbols: ["TSLA", "SPY"] }), { kind: "ok", value: ["TSLA", "SPY"] });
    assert.deepEqual(first.symbols(), ["TSLA", "SPY"]);
    const reopened = await openWatchlist(path, options);
    assert.deepEqual(reopened.symbols(), ["TSLA", "SPY"]);
    assert.deepEqual([...Deno.readDirSync(join(dir, "sub"))].map((e) => e.name), ["watchlist.json"], "no temp files");
  }));

Deno.test("openWatchlist(): a rejected save changes nothing; concurrent saves land in order", () =>
  withDir(async (dir) => {
    const path = join(dir, "watchlist.json");
    const list = await openWatchlist(path, options);
    const refused = await list.save({ symbols: ["AAPL", "ZZZ"] });
    assert.equal(refused.kind, "rejected");
    assert.deepEqual(list.symbols(), ["AAPL", "MSFT"]);
    await assert.rejects(Deno.stat(path), Deno.errors.NotFound);
    await Promise.all([list.save(["AAPL"]), list.save(["MSFT"]), list.save(["SPY", "TSLA"])]);
    assert.deepEqual(JSON.parse(await Deno.readTextFile(path)).symbols, ["SPY", "TSLA"]);
  }));

Deno.test("openWatchlist(): a corrupt file is reported and the defaults used; unknown symbols in it are dropped", () =>
  withDir(async (dir) => {
    const path = join(dir, "watchlist.json");
    const warnings: string[] = [];
    await Deno.writeTextFile(path, "{oops");
    const broken = await openWatchlist(path, { ...options, logger: { warn: (m: string) => warnings.push(m) } });
    assert.deepEqual(broken.symbols(), ["AAPL", "MSFT"]);
    assert.match(warnings[0], /Cannot use the watchlist in .*watchlist\.json: not JSON/);
    await Deno.writeTextFile(path, JSON.stringify({ version: 1, symbols: ["SPY", "GONE", "AAPL"] }));
    assert.deepEqual((await openWatchlist(path, options)).symbols(), ["SPY", "AAPL"]);
  }));
