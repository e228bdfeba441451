/** The terminal's part of `ctx.state` (chart, watchlist, status bar), built once by main.ts. */
import { dirname, join } from "node:path";
import type { BaseState } from "../appState.ts";
import { loadUniverse } from "../market/loadUniverse.ts";
import { createSymbolIndex, type SymbolIndex } from "./createSymbolIndex.ts";
import { openWatchlist, type Watchlist } from "./openWatchlist.ts";

export interface Terminal {
  /** The instrument universe (data/universe.csv), searchable. */
  symbols: SymbolIndex;
  /** The persisted watchlist: watchlist.json beside the cache file (data/watchlist.json by default). */
  watchlist: Watchlist;
  /** Whether the cache has been opened (the ingest worker is ready) and not stopped since. */
  isCacheOpen(): boolean;
  /** Whether the candle window holds bars of the symbol. */
  isLive(symbol: string): boolean;
}

export interface TerminalState {
  terminal: Terminal;
}

/** Default watchlist length when nothing else says which symbols to show. */
const DEFAULT_COUNT = 12;

/** Loads what the terminal's routes need; `stopTerminal()` releases it. */
export async function createTerminalState(
  base: BaseState,
): Promise<TerminalState & { stopTerminal(): Promise<void> }> {
  const universe = await loadUniverse(base.dataDir);
  for (const error of universe.errors) base.logger.warn(error.message);
  const symbols = createSymbolIndex(universe.instruments);
  let cacheOpen = false;
  let stopped = false;
  base.ingest.ready.then(() => cacheOpen = !stopped, () => cacheOpen = false);

  let liveKeys: readonly string[] | null = null;
  let liveSymbols = new Set<string>();
  function isLive(symbol: string): boolean {
    const keys = base.ingest.window.keys.peek();
    if (keys !== liveKeys) {
      liveKeys = keys;
      liveSymbols = new Set(keys.map((key) => key.slice(0, key.indexOf("|"))));
    }
    return liveSymbols.has(symbol);
  }

  // The demo's symbols, else whatever the cache already holds, else the start of the universe.
  const sample = universe.mappings.filter((m) => m.kind === "file").map((m) => m.symbol);
  const cached = [...new Set(base.ingest.window.keys.peek().map((key) => key.slice(0, key.indexOf("|"))))];
  const defaults = base.config.demo
    ? (base.config.demoSymbols.length > 0 ? base.config.demoSymbols : sample)
    : cached.length > 0
    ? cached
    : universe.instruments.map((i) => i.symbol);
  // Beside the cache (data/watchlist.json by default): a run on another cache file, a test's temp one say, keeps
  // its own list.
  const watchlistDir = base.config.db === ":memory:" ? base.dataDir : dirname(base.config.db);
  const watchlist = await openWatchlist(join(watchlistDir, "watchlist.json"), {
    defaults: [...new Set(defaults)].slice(0, DEFAULT_COUNT),
    // A symbol the feed publishes may be missing from universe.csv; it can still be watched.
    isKnown: (symbol) => symbols.get(symbol) !== undefined || isLive(symbol),
    logger: base.logger,
  });

  return {
    terminal: { symbols, watchlist, isCacheOpen: () => cacheOpen && !stopped, isLive },
    stopTerminal: () => {
      stopped = true;
      return Promise.resolve();
    },
  };
}
