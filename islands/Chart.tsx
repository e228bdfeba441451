/**
 * The candlestick chart: interval switcher, pan (drag), zoom (wheel, pinch), crosshair with an OHLCV readout,
 * "go to live", gap bands, older history loaded on pan, and the newest bar moving live.
 *
 * Data: `/api/candles` re-buckets to what the plot width can show (at most one bar per 3 px); the chart asks again
 * when a gesture settles with too many bars in view (coarser), too few at a coarse bucket (finer), the left edge
 * near the first loaded bar (older bars, same bucket), or the right edge past the loaded range (back to live).
 * Live bars arrive on `candle:<SYMBOL>|<interval>` for every chart interval; the one the viewport names in `live`
 * is folded into the newest bucket (`prefix` + current bar) and patches it in place (see chartEngine.ts).
 *
 * The selected symbol is a signal shared with the watchlist.
 */
import { type Signal, useSignal, useSignalEffect } from "@preact/signals";
import { useEffect, useRef } from "preact/hooks";
import { publishSelection } from "./terminal/publishSelection.ts";
import { bucketStart, CHART_INTERVALS, parseInterval } from "../core/ingest/interval.ts";
import { foldCandle } from "../core/terminal/aggregateCandles.ts";
import type { CandleViewport, LiveBucket } from "../core/terminal/loadViewport.ts";
import type { Candle } from "../core/wire/types.ts";
import { type ChartEngine, createChartEngine } from "./terminal/chartEngine.ts";
import { formatBarTime, formatPercent, formatPrice, formatVolume, priceDecimals } from "./terminal/format.ts";
import { onOpen, subscribe } from "./terminal/liveStream.ts";
import StaticCandles from "./terminal/StaticCandles.tsx";

/** What /api/candles answers: the viewport plus the instrument's name and tick size. */
export interface ChartViewport extends CandleViewport {
  name: string;
  tickSize: number | null;
}

export interface ChartProps {
  selected: Signal<string>;
  interval: string;
  /** The server's first viewport, for the server-rendered chart and a quick start. */
  initial: ChartViewport | null;
}

const PX_PER_BAR = 3;
const FEW_BARS = 24;
const NEAR_EDGE_BARS = 40;

interface LiveState {
  interval: string;
  prefix: Candle | null;
  current: Candle | null;
}

export default function Chart(props: ChartProps) {
  const interval = useSignal(props.interval);
  const meta = useSignal<ChartViewport | null>(props.initial);
  const mounted = useSignal(false);
  const loading = useSignal(false);
  const following = useSignal(true);
  const hovered = useSignal<Candle | null>(null);
  const last = useSignal<Candle | null>(props.initial?.candles.at(-1) ?? null);
  const previous = useSignal<Candle | null>(props.initial?.candles.at(-2) ?? null);
  const error = useSignal<string | null>(null);
  const hostRef = useRef<HTMLDivElement>(null);
  const engineRef = useRef<ChartEngine | null>(null);
  const live = useRef<LiveState | null>(null);
  const loadedToLive = useRef(true);
  const requestSeq = useRef(0);
  const olderLoading = useRef(false);

  function decimalsFor(viewport: ChartViewport | null): number {
    const price = viewport?.candles.at(-1)?.close ?? 1;
    return priceDecimals(price, viewport?.tickSize ?? undefined);
  }

  function noteLast(): void {
    const bars = engineRef.current?.bars ?? [];
    last.value = bars.at(-1) ?? null;
    previous.value = bars.at(-2) ?? null;
  }

  async function fetchViewport(params: Record<string, string | number | null>): Promise<ChartViewport | null> {
    const engine = engineRef.current;
    const query = new URLSearchParams({
      symbol: props.selected.peek(),
      interval: interval.peek(),
      width: String(Math.max(40, Math.min(12_000, Math.floor(engine?.plotWidth() ?? 1000)))),
    });
    for (const [key, value] of Object.entries(params)) if (value !== null) query.set(key, String(value));
    const response = await fetch(`/api/candles?${query}`);
    const body = await response.json();
    if (!response.ok) {
      error.value = (body as { error?: string }).error ?? `HTTP ${response.status}`;
      return null;
    }
    error.value = null;
    return body as ChartViewport;
  }

  function adopt(viewport: ChartViewport, view: { start: number; end: number } | null, toLive: boolean): void {
    const engine = engineRef.current;
    if (engine === null) return;
    meta.value = viewport;
    // A range that ends past the newest stored bar reaches the live edge even when asked with an explicit end.
    loadedToLive.current = toLive || (viewport.lastMs !== null && viewport.toMs > viewport.lastMs);
    live.current = loadedToLive.current ? liveFrom(viewport.live) : null;
    engine.setData(viewport.candles.slice(), {
      bucketMs: viewport.bucketMs,
      gaps: viewport.gaps,
      decimals: decimalsFor(viewport),
      view,
    });
    noteLast();
  }

  /**
   * After the stream (re)opens: what changed while it was closed, as the newest buckets at the bucket shown,
   * applied like live bars (the hub only sends changes, never a snapshot).
   */
  async function catchUp(): Promise<void> {
    const engine = engineRef.current;
    const viewport = meta.peek();
    const newest = engine?.bars.at(-1);
    if (engine === null || viewport === null || newest === undefined || !loadedToLive.current) return;
    const seq = requestSeq.current;
    const tail = await fetchViewport({ from: newest.openTimeMs, bucket: viewport.bucket });
    if (tail === null || seq !== requestSeq.current || tail.bucketMs !== viewport.bucketMs) return;
    for (const bar of tail.candles) if (bar.openTimeMs >= newest.openTimeMs) engine.updateLast(bar);
    live.current = liveFrom(tail.live);
    noteLast();
  }

  /** The newest bars at the chart's interval. */
  async function loadLatest(): Promise<void> {
    const seq = ++requestSeq.current;
    loading.value = true;
    try {
      const viewport = await fetchViewport({});
      if (viewport === null || seq !== requestSeq.current) return;
      adopt(viewport, null, true);
    } finally {
      if (seq === requestSeq.current) loading.value = false;
    }
  }

  /** Bars for a time range at whatever bucket fits the width; the same times stay in view. */
  async function loadRange(fromMs: number, toMs: number | null, view: { fromMs: number; toMs: number }): Promise<void> {
    const seq = ++requestSeq.current;
    loading.value = true;
    try {
      const viewport = await fetchViewport({
        from: Math.max(0, Math.floor(fromMs)),
        to: toMs === null ? null : Math.ceil(toMs),
      });
      if (viewport === null || seq !== requestSeq.current) return;
      const bars = viewport.candles;
      const start = fractionalIndex(bars, view.fromMs, viewport.bucketMs);
      const end = toMs === null && following.peek()
        ? bars.length - 1 + 3
        : fractionalIndex(bars, view.toMs, viewport.bucketMs);
      adopt(viewport, bars.length === 0 ? null : { start, end: Math.max(end, start + 8) }, toMs === null);
    } finally {
      if (seq === requestSeq.current) loading.value = false;
    }
  }

  /** Older bars at the bucket shown, prepended; the view keeps showing the same bars. */
  async function loadOlder(): Promise<void> {
    const engine = engineRef.current;
    const viewport = meta.peek();
    if (engine === null || viewport === null || olderLoading.current) return;
    const first = engine.bars[0];
    if (first === undefined || viewport.firstMs === null || first.openTimeMs <= viewport.firstMs) return;
    olderLoading.current = true;
    const seq = requestSeq.current;
    try {
      const rows = Math.floor(engine.plotWidth() / PX_PER_BAR);
      const older = await fetchViewport({
        from: Math.max(0, first.openTimeMs - rows * viewport.bucketMs),
        to: first.openTimeMs,
        bucket: viewport.bucket,
      });
      if (older === null || seq !== requestSeq.current || older.bucketMs !== viewport.bucketMs) return;
      const fresh = older.candles.filter((bar) => bar.openTimeMs < first.openTimeMs);
      const bars = [...fresh, ...engine.bars];
      const view = { start: engine.view.start + fresh.length, end: engine.view.end + fresh.length };
      meta.value = {
        ...viewport,
        fromMs: older.fromMs,
        firstMs: older.firstMs,
        gaps: mergeGaps(viewport.gaps, older.gaps),
      };
      engine.setData(bars, {
        bucketMs: viewport.bucketMs,
        gaps: meta.peek()!.gaps,
        decimals: decimalsFor(viewport),
        view: engine.following ? null : view,
      });
      if (engine.following) engine.goLive();
    } finally {
      olderLoading.current = false;
    }
  }

  /** After a gesture: load what the view now needs, if anything. */
  function onViewSettled(): void {
    const engine = engineRef.current;
    const viewport = meta.peek();
    if (engine === null || viewport === null) return;
    const bars = engine.bars;
    const count = engine.visibleCount();
    const { start, end } = engine.view;
    const timeAt = (index: number): number => timeOfIndex(bars, index, viewport.bucketMs);
    const fromMs = timeAt(start);
    const toMs = timeAt(end + 1);
    const spanMs = Math.max(viewport.bucketMs, toMs - fromMs);
    const intervalMs = parseInterval(viewport.interval);
    const toLive = engine.following && loadedToLive.current;
    if (end - start + 1 > engine.plotWidth() / PX_PER_BAR) {
      void loadRange(fromMs - spanMs * 0.25, toLive ? null : toMs + spanMs * 0.25, { fromMs, toMs });
    } else if (count < FEW_BARS && viewport.bucketMs > intervalMs) {
      void loadRange(fromMs, toLive ? null : toMs, { fromMs, toMs });
    } else if (start < NEAR_EDGE_BARS) {
      void loadOlder();
    } else if (!loadedToLive.current && end > bars.length - 1) {
      void loadRange(fromMs, null, { fromMs, toMs });
    }
  }

  function onLiveBar(symbol: string, barInterval: string, data: Candle & { partial: boolean }): void {
    const state = live.current;
    const engine = engineRef.current;
    const viewport = meta.peek();
    if (state === null || engine === null || viewport === null) return;
    if (symbol !== props.selected.peek() || barInterval !== state.interval || !loadedToLive.current) return;
    const bar: Candle = {
      openTimeMs: data.openTimeMs,
      open: data.open,
      high: data.high,
      low: data.low,
      close: data.close,
      volume: data.volume,
    };
    const current = state.current;
    if (current !== null && bar.openTimeMs < current.openTimeMs) return; // a late bar: the next load shows it
    const bucketMs = viewport.bucketMs;
    const bucket = bucketStart(bar.openTimeMs, bucketMs);
    if (current !== null && bar.openTimeMs > current.openTimeMs) {
      state.prefix = bucketStart(current.openTimeMs, bucketMs) === bucket
        ? foldCandle(state.prefix, current, bucket)
        : null;
    }
    state.current = bar;
    engine.updateLast(foldCandle(state.prefix, bar, bucket));
    noteLast();
  }

  // Mount the engine once, replacing the server-rendered candles.
  useEffect(() => {
    const host = hostRef.current!;
    const engine = createChartEngine(host, {
      onViewSettled,
      onHover: (bar) => hovered.value = bar,
      onFollowChange: (value) => following.value = value,
    });
    engineRef.current = engine;
    (globalThis as { __fluxbookChart?: unknown }).__fluxbookChart = engine;
    const observer = new ResizeObserver(([entry]) => {
      engine.resize(entry.contentRect.width, entry.contentRect.height);
    });
    observer.observe(host);
    const box = host.getBoundingClientRect();
    engine.resize(box.width, box.height);
    mounted.value = true;
    const initial = props.initial;
    if (initial !== null && initial.symbol === props.selected.peek()) adopt(initial, null, true);
    const stopOpen = onOpen(() => void catchUp());
    return () => {
      stopOpen();
      observer.disconnect();
      engine.destroy();
      engineRef.current = null;
    };
  }, []);

  // A new symbol (from the watchlist) or interval: reload, and listen to that symbol's live bars.
  // The notebook binds the selection as $symbol, $interval, $from and $to.
  useSignalEffect(() => {
    const viewport = meta.value;
    publishSelection({
      symbol: props.selected.value,
      interval: interval.value,
      fromMs: viewport?.fromMs ?? null,
      toMs: viewport?.toMs ?? null,
    });
  });

  useSignalEffect(() => {
    const symbol = props.selected.value;
    const chosen = interval.value;
    if (!mounted.value) return;
    const url = new URL(location.href);
    url.searchParams.set("symbol", symbol);
    url.searchParams.set("interval", chosen);
    history.replaceState(null, "", url);
    const current = meta.peek();
    if (
      current === null || current.symbol !== symbol || current.requestedInterval !== chosen ||
      engineRef.current?.bars.length === 0
    ) {
      void loadLatest();
    }
    const stops = CHART_INTERVALS.map((each) =>
      subscribe(`candle:${symbol}|${each}`, (data) => onLiveBar(symbol, each, data as Candle & { partial: boolean }))
    );
    return () => stops.forEach((stop) => stop());
  });

  function onKeyDown(event: KeyboardEvent): void {
    const engine = engineRef.current;
    if (engine === null) return;
    const handled = {
      "+": () => engine.zoomAt(0.8, null),
      "=": () => engine.zoomAt(0.8, null),
      "-": () => engine.zoomAt(1.25, null),
      ArrowLeft: () => engine.panBars(-engine.visibleCount() / 10),
      ArrowRight: () => engine.panBars(engine.visibleCount() / 10),
      End: () => engine.goLive(),
    }[event.key];
    if (handled === undefined) return;
    event.preventDefault();
    handled();
  }

  const viewport = meta.value;
  const shown = hovered.value ?? last.value;
  const before = hovered.value !== null ? null : previous.value;
  const decimals = decimalsFor(viewport);
  const change = shown !== null && before !== null
    ? shown.close - before.close
    : shown !== null
    ? shown.close - shown.open
    : null;
  const changeBase = shown !== null && before !== null ? before.close : shown?.open ?? null;
  const pct = change !== null && changeBase ? (change / changeBase) * 100 : null;
  const rebucketed = viewport !== null && viewport.bucket !== viewport.requestedInterval;
  const empty = viewport !== null && viewport.candles.length === 0 && (engineRef.current?.bars.length ?? 0) === 0;
  return (
    <section
      class="chart"
      tabIndex={0}
      onKeyDown={onKeyDown}
      data-symbol={props.selected.value}
      data-interval={interval.value}
      data-bucket={viewport?.bucket ?? ""}
      data-first-ms={viewport === null
        ? ""
        : String(engineRef.current?.bars[0]?.openTimeMs ?? viewport.candles[0]?.openTimeMs ?? "")}
      data-last-close={last.value === null ? "" : String(last.value.close)}
      data-mounted={mounted.value ? "1" : "0"}
    >
      <header class="chart-head">
        <div class="chart-title">
          <span class="chart-symbol">{props.selected.value}</span>
          <span class="chart-name">{viewport?.symbol === props.selected.value ? viewport.name : ""}</span>
        </div>
        <div class="intervals" role="group" aria-label="Interval">
          {CHART_INTERVALS.map((each) => (
            <button
              type="button"
              key={each}
              class={each === interval.value ? "active" : ""}
              aria-pressed={each === interval.value}
              data-interval={each}
              onClick={() => interval.value = each}
            >
              {each}
            </button>
          ))}
        </div>
        {rebucketed
          ? (
            <span class="chart-bucket" title="Zoomed out: bars are re-bucketed to fit the width">
              bars {viewport!.bucket}
            </span>
          )
          : null}
        <div class={`readout ${change === null ? "" : change >= 0 ? "up" : "down"}`}>
          {shown === null ? <span class="muted">no bars</span> : (
            <>
              <span class="readout-time">{formatBarTime(shown.openTimeMs, viewport?.bucketMs ?? 60_000)}</span>
              <span>
                O <b>{formatPrice(shown.open, decimals)}</b>
              </span>
              <span>
                H <b>{formatPrice(shown.high, decimals)}</b>
              </span>
              <span>
                L <b>{formatPrice(shown.low, decimals)}</b>
              </span>
              <span>
                C <b class="readout-close">{formatPrice(shown.close, decimals)}</b>
              </span>
              <span>
                V <b>{formatVolume(shown.volume)}</b>
              </span>
              <span class="readout-change">{formatPercent(pct)}</span>
            </>
          )}
        </div>
        <button
          type="button"
          class="go-live"
          hidden={following.value}
          onClick={() => {
            const engine = engineRef.current;
            if (engine === null) return;
            if (loadedToLive.current) engine.goLive();
            else void loadLatest();
          }}
        >
          Go to live ▸
        </button>
      </header>
      <div class="chart-body">
        <div class="chart-canvas" ref={hostRef} />
        {mounted.value ? null : <StaticCandles candles={props.initial?.candles ?? []} />}
        {loading.value ? <div class="chart-loading">loading…</div> : null}
        {empty ? <div class="chart-empty">No bars of {props.selected.value} in the cache yet</div> : null}
        {error.value !== null ? <div class="chart-error">{error.value}</div> : null}
        <div class="chart-utc">UTC</div>
      </div>
    </section>
  );
}

function liveFrom(live: LiveBucket | null): LiveState | null {
  return live === null ? null : { interval: live.interval, prefix: live.prefix, current: live.current };
}

/** Time at a fractional bar index, extrapolated past either end at one bucket per bar. */
function timeOfIndex(bars: readonly Candle[], index: number, bucketMs: number): number {
  if (bars.length === 0) return Date.now();
  if (index <= 0) return bars[0].openTimeMs + index * bucketMs;
  if (index >= bars.length - 1) return bars[bars.length - 1].openTimeMs + (index - bars.length + 1) * bucketMs;
  const i = Math.floor(index);
  return bars[i].openTimeMs + (index - i) * (bars[i + 1].openTimeMs - bars[i].openTimeMs);
}

/** Index of the bar at or after `ms` (fractional before the first one). */
function fractionalIndex(bars: readonly Candle[], ms: number, bucketMs: number): number {
  if (bars.length === 0) return 0;
  if (ms <= bars[0].openTimeMs) return (ms - bars[0].openTimeMs) / bucketMs;
  let low = 0;
  let high = bars.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (bars[mid].openTimeMs < ms) low = mid + 1;
    else high = mid;
  }
  return low;
}

function mergeGaps<T extends { fromMs: number }>(a: readonly T[], b: readonly T[]): T[] {
  const seen = new Set(a.map((gap) => gap.fromMs));
  return [...a, ...b.filter((gap) => !seen.has(gap.fromMs))].sort((x, y) => x.fromMs - y.fromMs);
}
