/**
 * The ingest worker's request gate: a request sent while the cache is still opening waits for it, a request
 * after a failed open is refused with 503, and a request after stop is refused too.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { loadConfig } from "../../core/config.ts";
import { startIngestWorker, WorkerRequestError } from "../../core/ingest/ingestClient.ts";
import { createLogger } from "../../core/log.ts";

const silent = createLogger("test", "silent");
const VIEWPORT = { symbol: "AAPL", interval: "1m", fromMs: null, toMs: null, maxRows: 10 };

function configFor(db: string) {
  return {
    ...loadConfig([], {}),
    db,
    demo: false,
    // Nobody listens there: the feed stays "connecting" and the cache is all there is.
    pubEndpoints: ["tcp://127.0.0.1:9"],
    reqEndpoints: ["tcp://127.0.0.1:9"],
    logLevel: "silent" as const,
  };
}

Deno.test("ingest worker: a request sent before the cache is open waits for it instead of failing", async () => {
  const dir = await Deno.makeTempDir({ prefix: "fluxbook-worker-" });
  const ingest = startIngestWorker(configFor(join(dir, "cache.duckdb")), { logger: silent });
  try {
    // Sent at once, before `ready`: the worker is still opening DuckDB (and, after `ready`, its reader connection).
    const early = ingest.request<{ candles: unknown[] }>("candles", VIEWPORT);
    await ingest.ready;
    const atReady = ingest.request<{ candles: unknown[] }>("candles", VIEWPORT);
    assert.deepEqual((await early).candles, []);
    assert.deepEqual((await atReady).candles, []);
  } finally {
    await ingest.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ingest worker: requests after a failed open are refused with 503 and the reason", async () => {
  const dir = await Deno.makeTempDir({ prefix: "fluxbook-worker-" });
  const db = join(dir, "cache.duckdb");
  await Deno.mkdir(db); // a directory where the file should be
  const ingest = startIngestWorker(configFor(db), { logger: silent });
  try {
    const early = ingest.request("candles", VIEWPORT);
    await assert.rejects(ingest.ready);
    const error = await early.then(() => null, (e) => e);
    assert.ok(error instanceof WorkerRequestError, String(error));
    assert.equal(error.status, 503);
    assert.match(error.message, /The cache is not open/);
  } finally {
    await ingest.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
