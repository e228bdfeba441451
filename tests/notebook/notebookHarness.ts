/**
 * A real cache for the notebook tests: a DuckDB file in a temp dir, filled through `store.commit()` like the
 * ingest fills it (candles with lineage, cursors, gaps), the query engine on it, and the web app over the
 * real routes/ and islands/ with a NotebookService in `ctx.state`.
 */
import { join } from "node:path";
import { openStore, type Store } from "../../core/ingest/store.ts";
import type { CandleRow, GapUpsert, IngestCursor } from "../../core/ingest/storeBatch.ts";
import { type NotebookService, notebookServiceOf } from "../../core/notebook/notebookState.ts";
import { openQueryEngine, type QueryEngine, type QueryEngineOptions } from "../../core/notebook/openQueryEngine.ts";
import { type App, createApp, createSseHub, type SseHub } from "../../core/web/mod.ts";
import type { Logger } from "../../core/web/logger.ts";

export const MINUTE_MS = 60_000;
export const T0_MS = Date.UTC(2024, 2, 4, 14, 30);
export const SYMBOLS = ["AAPL", "MSFT", "BTCUSD"] as const;
const ROOT = new URL("../../", import.meta.url);

export const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** `bars` 1-minute candles per symbol from T0_MS, a deterministic random walk, seqs from `firstSeq`. */
export function candleRows(
  symbol: string,
  bars: number,
  options: { firstSeq?: number; fromMs?: number } = {},
): CandleRow[] {
  const firstSeq = options.firstSeq ?? 1;
  const fromMs = options.fromMs ?? T0_MS;
  let seed = [...symbol].reduce((sum, c) => sum * 31 + c.charCodeAt(0), 7) >>> 0;
  const random = (): number => {
    seed = (seed * 1_664_525 + 1_013_904_223) >>> 0;
    return seed / 2 ** 32;
  };
  let price = symbol === "BTCUSD" ? 60_000 : 150;
  const rows: CandleRow[] = [];
  for (let i = 0; i < bars; i++) {
    const open = price;
    const close = open * (1 + (random() - 0.5) * 0.004);
    price = close;
    rows.push({
      symbol,
      interval: "1m",
      openTimeMs: fromMs + (firstSeq - 1 + i) * MINUTE_MS,
      open,
      high: Math.max(open, close) * (1 + random() * 0.001),
      low: Math.min(open, close) * (1 - random() * 0.001),
      close,
      volume: 1000 + Math.floor(random() * 9000),
      partial: false,
      source: "demo",
      epoch: 1n,
      seq: firstSeq + i,
      recvTimeMs: fromMs + (firstSeq + i) * MINUTE_MS + 5,
      origin: "live",
    });
  }
  return rows;
}

/** Commits `bars` candles per symbol with their cursors, and two gaps (one filled, one open). */
export async function fillCache(
  store: Store,
  options: { bars?: number; symbols?: readonly string[] } = {},
): Promise<void> {
  const bars = options.bars ?? 600;
  const symbols = options.symbols ?? SYMBOLS;
  const candles = symbols.flatMap((symbol) => candleRows(symbol, bars));
  const cursors: IngestCursor[] = symbols.map((symbol) => ({
    source: "demo",
    topic: `candle.${symbol}.1m`,
    epoch: 1n,
    lastSeq: bars,
  }));
  const gaps: GapUpsert[] = [
    { source: "demo", topic: "candle.AAPL.1m", epoch: 1n, fromSeq: 40, toSeq: 44, state: "filled", attempts: 1 },
    { source: "demo", topic: "candle.MSFT.1m", epoch: 1n, fromSeq: 90, toSeq: 90, state: "open", attempts: 0 },
  ];
  await store.commit({ candles, cursors, gaps });
}

export interface NotebookFixture {
  dir: string;
  store: Store;
  engine: QueryEngine;
  notebook: NotebookService;
  notebooksDir: string;
  exportDir: string;
  [Symbol.asyncDispose](): Promise<void>;
}

/** A temp dir with a filled cache, the engine on it and a copy of data/notebooks. */
export async function openNotebookFixture(
  options: { bars?: number; symbols?: readonly string[]; engine?: Partial<QueryEngineOptions> } = {},
): Promise<NotebookFixture> {
  const dir = await Deno.makeTempDir({ prefix: "fluxbook-notebook-" });
  const exportDir = join(dir, "export");
  const notebooksDir = join(dir, "notebooks");
  await Deno.mkdir(exportDir);
  await Deno.mkdir(notebooksDir);
  for await (const entry of Deno.readDir(new URL("data/notebooks/", ROOT))) {
    if (entry.isFile && entry.name.endsWith(".md")) {
      await Deno.copyFile(new URL(`data/notebooks/${entry.name}`, ROOT), join(notebooksDir, entry.name));
    }
  }
  const store = await openStore(join(dir, "cache.duckdb"));
  let engine: QueryEngine;
  try {
    await fillCache(store, options);
    engine = await openQueryEngine(store.instance, { exportDir: await Deno.realPath(exportDir), ...options.engine });
  } catch (error) {
    await store.close();
    await Deno.remove(dir, { recursive: true });
    throw error;
  }
  const streams = (options.symbols ?? SYMBOLS).map((symbol) => `${symbol}|1m`).sort();
  const notebook = notebookServiceOf(engine, { notebooksDir, streams: () => streams });
  return {
    dir,
    store,
    engine,
    notebook,
    notebooksDir,
    exportDir,
    async [Symbol.asyncDispose]() {
      engine.close();
      await store.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

export interface NotebookAppFixture extends NotebookFixture {
  app: App;
  hub: SseHub;
}

/** The fixture plus the web app over the real routes/, islands/ and static/. */
export async function openNotebookApp(
  options: Parameters<typeof openNotebookFixture>[0] = {},
): Promise<NotebookAppFixture> {
  const fixture = await openNotebookFixture(options);
  const hub = createSseHub({ logger: silent, heartbeatMs: 60_000 });
  let app: App;
  try {
    app = await createApp({
      routesDir: new URL("routes/", ROOT),
      islandsDir: new URL("islands/", ROOT),
      staticDir: new URL("static/", ROOT),
      state: { notebook: fixture.notebook, hub, logger: silent },
      logger: silent,
    });
  } catch (error) {
    hub.close();
    await fixture[Symbol.asyncDispose]();
    throw error;
  }
  return {
    ...fixture,
    app,
    hub,
    async [Symbol.asyncDispose]() {
      hub.close();
      await app.dispose();
      await fixture[Symbol.asyncDispose]();
    },
  };
}
