/**
 * The terminal page: chart, watchlist and status bar, rendered on the server with the current data (candles,
 * quotes, status) and hydrated as three islands. The chart and the watchlist share the `selected` signal.
 */
import { type Signal, signal } from "@preact/signals";
import type { AppState } from "../core/appState.ts";
import { CHART_INTERVALS } from "../core/ingest/interval.ts";
import { SYMBOL_PATTERN } from "../core/market/parseUniverse.ts";
import { loadViewport } from "../core/terminal/loadViewport.ts";
import { type StatusSnapshot, statusSnapshot } from "../core/terminal/statusSnapshot.ts";
import { type WatchlistRow, watchlistRow } from "../core/terminal/watchlistRow.ts";
import { createDefine, page } from "../core/web/mod.ts";
import Chart, { type ChartViewport } from "../islands/Chart.tsx";
import StatusBar from "../islands/StatusBar.tsx";
import Watchlist from "../islands/Watchlist.tsx";

const define = createDefine<AppState>();

/** The server renders the first chart for a plot about this wide; the browser asks again at its real width. */
const SSR_WIDTH_PX = 1100;
const STALE_AFTER_MS = 15_000;

interface Data {
  selected: Signal<string>;
  interval: string;
  initial: ChartViewport | null;
  rows: WatchlistRow[];
  status: StatusSnapshot;
}

export const handler = define.handlers<Data>({
  async GET(ctx) {
    const { terminal, ingest, hub, logger } = ctx.state;
    const symbols = terminal.watchlist.symbols();
    const wanted = ctx.url.searchParams.get("symbol");
    const known = (each: string): boolean => terminal.symbols.get(each) !== undefined || terminal.isLive(each);
    const symbol = wanted !== null && SYMBOL_PATTERN.test(wanted) && known(wanted)
      ? wanted
      : symbols[0] ?? terminal.symbols.search("", { limit: 1, isLive: terminal.isLive })[0]?.symbol ?? "AAPL";
    const wantedInterval = ctx.url.searchParams.get("interval") ?? "1m";
    const interval = CHART_INTERVALS.includes(wantedInterval) ? wantedInterval : "1m";
    let initial: ChartViewport | null = null;
    try {
      const viewport = await loadViewport(ingest, {
        symbol,
        interval,
        fromMs: null,
        toMs: null,
        width: SSR_WIDTH_PX,
        minBucketMs: null,
      });
      const instrument = terminal.symbols.get(symbol);
      initial = { ...viewport, name: instrument?.name ?? "", tickSize: instrument?.tickSize ?? null };
    } catch (error) {
      // The page still renders (watchlist, status); the chart loads its bars once the cache answers.
      logger.warn("Cannot load the first chart viewport", { symbol, error: String(error) });
    }
    return page({
      // A new signal per request: the two islands get the same one and so share the selection in the browser.
      selected: signal(symbol),
      interval,
      initial,
      rows: symbols.map((each) => watchlistRow(ctx.state, each)),
      status: statusSnapshot(ingest, hub),
    });
  },
});

export default define.page<Data>(({ data }) => (
  <div class="terminal">
    <header class="topbar">
      <span class="brand">
        flux<b>book</b>
      </span>
      <span class="topbar-sep" />
      <span class="topbar-title">Terminal</span>
      <a class="topbar-link" href="/notebook">Notebook</a>
      <span class="topbar-spacer" />
      <span class="topbar-hint">drag to pan · wheel to zoom · End = live</span>
    </header>
    <main class="workspace">
      <div class="chart-pane">
        <Chart selected={data.selected} interval={data.interval} initial={data.initial} />
      </div>
      <aside class="side-pane">
        <Watchlist selected={data.selected} rows={data.rows} staleAfterMs={STALE_AFTER_MS} />
      </aside>
    </main>
    <StatusBar initial={data.status} />
  </div>
));
