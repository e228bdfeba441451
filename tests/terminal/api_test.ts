import assert from "node:assert/strict";
import { join } from "node:path";
import type { Candle } from "../../core/wire/types.ts";
import { syntheticStream } from "../publisher/harness.ts";
import { startTerminalApp, type TerminalApp, until } from "./terminalApp.ts";

async function json(response: Response): Promise<Record<string, unknown>> {
  assert.match(response.headers.get("content-type") ?? "", /application\/json/);
  return await response.json();
}

/** Reads server-sent events from a response until `count` events of `name` arrived; then cancels the stream. */
async function readEvents(response: Response, name: string, count: number): Promise<unknown[]> {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  const found: unknown[] = [];
  let buffer = "";
  try {
    while (found.length < count) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let end: number;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event === name && data !== undefined) found.push(JSON.parse(data));
      }
    }
  } finally {
    await reader.cancel();
  }
  return found;
}

Deno.test("the terminal API with a live publisher", async (t) => {
  await using terminal = await startTerminalApp({
    streams: [syntheticStream("SYN", 3000)],
    backlogBars: 1500,
    speed: 600,
  });
  await until(async () => {
    const body = await json(await terminal.request("/api/candles?symbol=SYN&width=600"));
    return (body.candles as Candle[]).length >= 100;
  }, "the backlog in the cache");

  await t.step("GET /api/candles answers 400 with a message for every malformed request, never 500", async () => {
    const cases: [string, RegExp][] = [
      ["", /symbol is required/],
      ["?symbol=", /symbol is required/],
      ["?symbol=aapl", /is not a symbol/],
      ["?symbol=A%27%20OR%201%3D1", /is not a symbol/],
      [`?symbol=${"A".repeat(40)}`, /is not a symbol/],
      ["?symbol=SYN&interval=2m", /interval "2m" is not one of 1m, 5m, 15m, 1h, 4h, 1d/],
      ["?symbol=SYN&interval=", /interval "" is not one of/],
      ["?symbol=SYN&from=yesterday", /from "yesterday" must be a time in ms/],
      ["?symbol=SYN&from=-5", /from "-5" must be a time in ms/],
      ["?symbol=SYN&to=1e12", /to "1e12" must be a time in ms/],
      ["?symbol=SYN&to=99999999999999999", /must be a time in ms/],
      ["?symbol=SYN&from=2000&to=1000", /from \(2000\) must be before to \(1000\)/],
      ["?symbol=SYN&from=1000&to=1000", /must be before/],
      ["?symbol=SYN&width=10", /width "10" must be a whole number of px from 40 to 12000/],
      ["?symbol=SYN&width=12.5", /width "12.5" must be a whole number/],
      ["?symbol=SYN&width=100000", /width "100000"/],
      ["?symbol=SYN&bucket=fortnight", /bucket "fortnight" is not an interval/],
      ["?symbol=SYN&limit=5", /unknown parameter "limit"/],
    ];
    for (const [query, message] of cases) {
      const response = await terminal.request(`/api/candles${query}`);
      assert.equal(response.status, 400, `${query} → ${response.status}`);
      const body = await json(response);
      assert.match(String(body.error), /^Bad candles request: /);
      assert.match(String(body.error), message, query);
    }
  });

  await t.step("GET /api/candles: the newest bars, at most width / 3 of them, ascending", async () => {
    const newestBefore = terminal.ingest.window.series("SYN|1m").peek().at(-1)!.openTimeMs;
    const body = await json(await terminal.request("/api/candles?symbol=SYN&interval=1m&width=300"));
    const candles = body.candles as Candle[];
    assert.equal(body.bucket, "1m");
    assert.ok(candles.length > 0 && candles.length <= 100, `${candles.length} bars`);
    for (let i = 1; i < candles.length; i++) assert.ok(candles[i].openTimeMs > candles[i - 1].openTimeMs);
    const live = body.live as { key: string; current: Candle | null };
    assert.equal(live.key, "SYN|1m");
    // The live tail is joined: nothing older than what the window had before the request.
    assert.ok(candles.at(-1)!.openTimeMs >= newestBefore);
    assert.ok(live.current !== null && live.current.openTimeMs >= newestBefore);
  });

  await t.step("GET /api/candles zoomed out: re-bucketed to fit the width", async () => {
    const body = await json(await terminal.request(`/api/candles?symbol=SYN&interval=1m&from=0&width=120`));
    assert.ok((body.candles as Candle[]).length <= 40);
    assert.notEqual(body.bucket, "1m");
    assert.equal(body.name, "");
  });

  await t.step("GET /api/stream sends live bars, quotes and status under their keys", async () => {
    const bad = await terminal.request("/api/stream?keys=status,secrets");
    assert.equal(bad.status, 400);
    assert.match(String((await json(bad)).error), /"secrets": not a status, quote: or candle: key/);

    const [bar] = await readEvents(await terminal.request("/api/stream?keys=candle:SYN|1m"), "candle:SYN|1m", 1);
    assert.deepEqual(Object.keys(bar as object).sort(), [
      "close",
      "high",
      "low",
      "open",
      "openTimeMs",
      "partial",
      "volume",
    ]);
    const [quote] = await readEvents(await terminal.request("/api/stream?keys=quote:SYN"), "quote:SYN", 1);
    assert.equal((quote as { symbol: string }).symbol, "SYN");
    assert.equal(typeof (quote as { last: number }).last, "number");
    const [status] = await readEvents(await terminal.request("/api/stream?key=status"), "status", 1);
    assert.equal((status as { sources: { endpoint: string }[] }).sources[0].endpoint, terminal.config.pubEndpoints[0]);
  });

  await t.step("GET /api/health: 200 and live while the cache is open", async () => {
    // A loaded machine can delay heartbeats past the stale timeout for a moment; live is what this step is about.
    await until(() => terminal.ingest.sources.peek().every((source) => source.state === "live"), "a live feed");
    const response = await terminal.request("/api/health");
    assert.equal(response.status, 200);
    const body = await json(response);
    assert.equal(body.status, "live");
    assert.equal(body.cacheOpen, true);
    assert.ok((body.counters as { frames: number }).frames > 0);
  });

  await t.step("GET /metrics: Prometheus text with HELP and TYPE for every family", async () => {
    const response = await terminal.request("/metrics");
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
    const text = await response.text();
    assert.ok(text.endsWith("\n"));
    const lines = text.trimEnd().split("\n");
    const typed = new Map<string, string>();
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i];
      const help = /^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) \S/.exec(line);
      if (help !== null) {
        const type = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge)$/.exec(lines[i + 1]);
        assert.ok(type !== null && type[1] === help[1], `TYPE follows HELP for ${help[1]}`);
        typed.set(help[1], type[2]);
        i++;
        continue;
      }
      const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (-?[0-9.e+-]+|NaN|[+-]Inf)$/.exec(line);
      assert.ok(sample !== null, `a sample line: ${line}`);
      assert.ok(typed.has(sample[1]), `${sample[1]} has HELP and TYPE before its samples`);
    }
    for (const [name, type] of typed) assert.equal(name.endsWith("_total"), type === "counter", name);
    assert.match(text, /^fluxbook_frames_total [1-9]\d*$/m);
    assert.match(text, /^fluxbook_cache_open 1$/m);
    assert.match(text, /^fluxbook_source_up\{endpoint="tcp:\/\/127\.0\.0\.1:\d+",state="[a-z]+"\} [01]$/m);
    assert.match(text, /^fluxbook_sse_clients \d+$/m);
  });
});

Deno.test("the terminal API without a cache: /api/health is 503, /api/candles says why", async () => {
  await using terminal = await startTerminalApp({ brokenCache: true });
  const health = await terminal.request("/api/health");
  assert.equal(health.status, 503);
  const body = await json(health);
  assert.equal(body.status, "unavailable");
  assert.equal(body.cacheOpen, false);
  const candles = await terminal.request("/api/candles?symbol=AAPL");
  assert.equal(candles.status, 503);
  assert.match(String((await json(candles)).error), /^Cannot load candles: The cache is not open/);
  assert.match(await (await terminal.request("/metrics")).text(), /^fluxbook_cache_open 0$/m);
  // The page still renders, without a chart viewport.
  const page = await terminal.request("/");
  assert.equal(page.status, 200);
  assert.match(await page.text(), /class="watchlist"/);
});

Deno.test("watchlist and symbol search over HTTP; the list survives a restart", async (t) => {
  await using terminal: TerminalApp = await startTerminalApp();
  await t.step("GET /api/symbols ranks exact, prefix, name and fuzzy matches", async () => {
    const search = async (q: string): Promise<string[]> => {
      const body = await json(await terminal.request(`/api/symbols?q=${encodeURIComponent(q)}`));
      return (body.hits as { symbol: string }[]).map((hit) => hit.symbol);
    };
    assert.equal((await search("AAPL"))[0], "AAPL");
    assert.equal((await search("aap"))[0], "AAPL");
    assert.equal((await search("apple"))[0], "AAPL");
    assert.ok((await search("micro")).includes("MSFT"));
    assert.deepEqual((await search("bitcoin")).slice(0, 3).sort(), ["BCHUSD", "BTCEUR", "BTCUSD"]);
    assert.ok((await search("btcsd")).includes("BTCUSD"), "fuzzy: letters in order");
    assert.deepEqual(await search("zzzzqqq"), []);
    assert.equal((await terminal.request(`/api/symbols?q=${"x".repeat(65)}`)).status, 400);
    assert.equal((await terminal.request("/api/symbols?q=a&limit=0")).status, 400);
    assert.equal((await terminal.request("/api/symbols?q=a&limit=x")).status, 400);
  });

  await t.step("POST /api/watchlist saves; bad lists are refused with 400", async () => {
    const post = (body: string, headers: HeadersInit = {}): Promise<Response> =>
      terminal.request("/api/watchlist", {
        method: "POST",
        headers: { "content-type": "application/json", origin: "http://127.0.0.1:8000", ...headers },
        body,
      });
    const saved = await post(JSON.stringify({ symbols: ["MSFT", "AAPL", "BTCUSD"] }));
    assert.equal(saved.status, 200);
    assert.deepEqual((await json(saved)).symbols, ["MSFT", "AAPL", "BTCUSD"]);
    const refusals: [string, RegExp][] = [
      [JSON.stringify({ symbols: ["AAPL", "AAPL"] }), /AAPL is listed twice/],
      [JSON.stringify({ symbols: ["NOSUCH"] }), /NOSUCH is not in the universe/],
      [JSON.stringify({ symbols: ["aapl"] }), /"aapl" is not a symbol/],
      [JSON.stringify({ symbols: "AAPL" }), /expected \{"symbols"/],
      [JSON.stringify({ symbols: Array.from({ length: 201 }, (_, i) => `S${i}`) }), /at most 200/],
      ["{not json", /Cannot parse JSON body/],
    ];
    for (const [body, message] of refusals) {
      const response = await post(body);
      assert.equal(response.status, 400, body.slice(0, 40));
      assert.match(String((await json(response)).error), message);
    }
    const foreign = await post(JSON.stringify({ symbols: ["TSLA"] }), { origin: "https://evil.example" });
    assert.equal(foreign.status, 403);
    const listed = await json(await terminal.request("/api/watchlist"));
    assert.deepEqual(listed.symbols, ["MSFT", "AAPL", "BTCUSD"]);
    assert.deepEqual((listed.rows as { name: string }[]).map((row) => row.name), [
      "Microsoft Corporation",
      "Apple Inc.",
      "Bitcoin / U.S. Dollar",
    ]);
  });

  await t.step("the list is in watchlist.json beside the cache, and a restarted server reads it", async () => {
    const file = JSON.parse(await Deno.readTextFile(join(terminal.dir, "watchlist.json")));
    assert.deepEqual(file, { version: 1, symbols: ["MSFT", "AAPL", "BTCUSD"] });
    const restarted = await terminal.restartTerminal();
    assert.deepEqual(restarted.terminal.watchlist.symbols(), ["MSFT", "AAPL", "BTCUSD"]);
    await restarted.stopTerminal();
  });

  await t.step("GET /api/quotes validates its symbols", async () => {
    assert.equal((await terminal.request("/api/quotes")).status, 400);
    assert.equal((await terminal.request("/api/quotes?symbols=aapl")).status, 400);
    const body = await json(await terminal.request("/api/quotes?symbols=AAPL"));
    assert.deepEqual(body.rows, [{ symbol: "AAPL", name: "Apple Inc.", tickSize: 0.01, quote: null }]);
  });
});
