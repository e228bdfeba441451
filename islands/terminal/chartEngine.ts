/**
 * The candle chart's drawing and gestures, in the browser: Observable Plot draws the frame (axes, grid, gap bands)
 * and places the candles, drawn as a few paths by candleLayer.ts; everything that changes often is done without it.
 *
 * - x is the bar index, not time, so nights and weekends take no room (bar i is centred on x = i); the view is a
 *   range of indices. The volume pane shares the plot: volume bars are mapped into the bottom 22 % of the y range.
 * - A full redraw (data, pan, zoom, resize, a new bar) renders the visible bars with Plot, at most once per
 *   animation frame, and keeps Plot's x/y scales. Bars are one path per colour for volume, wicks and bodies: a node
 *   per bar made the redraw's cost grow with the bar count (~900 nodes at the widest view).
 * - A live revision of the newest bar patches that bar's three elements (wick, body, volume, drawn apart from the
 *   paths) in place through the kept scales, unless it leaves the drawn price or volume range — then it is a redraw.
 * - Crosshair and last-price line are HTML overlays moved by hand.
 *
 * Timing of the last redraw and patch is kept in `metrics` (the benchmark reads them). Browser only.
 */
import * as Plot from "@observablehq/plot";
import type { GapBand } from "../../core/terminal/candleViewport.ts";
import type { Candle } from "../../core/wire/types.ts";
import { type CandleLayer, createCandleLayer } from "./candleLayer.ts";
import { priceTicks, timeTicks } from "./chartTicks.ts";
import { formatBarTime, formatPrice } from "./format.ts";

export interface ChartMetrics {
  renders: number;
  patches: number;
  lastRenderMs: number;
  lastPatchMs: number;
  maxRenderMs: number;
  renderedBars: number;
}

export interface ChartView {
  /** Index range shown: bar i spans [i - 0.5, i + 0.5]. */
  start: number;
  end: number;
}

export interface ChartCallbacks {
  /** The view moved by a gesture and has settled (debounced): time to load other bars, maybe. */
  onViewSettled(): void;
  /** The bar under the pointer, or null when it leaves. */
  onHover(bar: Candle | null): void;
  /** Following the newest bar or not (the "go to live" button). */
  onFollowChange(following: boolean): void;
}

export interface ChartEngine {
  readonly metrics: ChartMetrics;
  readonly bars: readonly Candle[];
  readonly view: Readonly<ChartView>;
  readonly following: boolean;
  /** Replaces the bars. `view` null: the newest `visible` bars (following live). */
  setData(
    bars: Candle[],
    options: { bucketMs: number; gaps: readonly GapBand[]; decimals: number; view: ChartView | null },
  ): void;
  /** Replaces the newest bar (same open time) or appends one (newer). */
  updateLast(bar: Candle): void;
  /** Plot area width in px (what the viewport API is asked for). */
  plotWidth(): number;
  /** Bars visible now. */
  visibleCount(): number;
  goLive(): void;
  zoomAt(factor: number, anchorIndex: number | null): void;
  panBars(delta: number): void;
  resize(width: number, height: number): void;
  destroy(): void;
}

const MARGIN = { top: 8, right: 68, bottom: 22, left: 4 };
const UP = "#26a69a";
const DOWN = "#ef5350";
const UP_VOLUME = "rgba(38, 166, 154, 0.38)";
const DOWN_VOLUME = "rgba(239, 83, 80, 0.38)";
const GAP_FILL: Record<GapBand["state"], string> = { open: "#f0b429", requested: "#f0b429", unfillable: "#ef5350" };
const BODY_HALF = 0.36;
const MIN_VISIBLE = 8;
/** Bars kept free on the right of the newest one while following. */
const RIGHT_PAD = 3;
const SETTLE_MS = 140;

interface Rendered {
  x: Plot.Scale;
  y: Plot.Scale;
  i0: number;
  i1: number;
  pLo: number;
  pHi: number;
  yLo: number;
  volMax: number;
  volSpan: number;
  layer: CandleLayer | null;
}

export function createChartEngine(host: HTMLElement, callbacks: ChartCallbacks): ChartEngine {
  let bars: Candle[] = [];
  let bucketMs = 60_000;
  let gaps: readonly GapBand[] = [];
  let decimals = 2;
  let view: ChartView = { start: 0, end: 1 };
  let following = true;
  let width = 0;
  let height = 0;
  let rendered: Rendered | null = null;
  let frame: number | null = null;
  let settleTimer: ReturnType<typeof setTimeout> | null = null;
  const metrics: ChartMetrics = {
    renders: 0,
    patches: 0,
    lastRenderMs: 0,
    lastPatchMs: 0,
    maxRenderMs: 0,
    renderedBars: 0,
  };

  const plotHost = document.createElement("div");
  plotHost.className = "chart-svg";
  const overlay = document.createElement("div");
  overlay.className = "chart-overlay";
  overlay.innerHTML = `<div class="cross-v"></div><div class="cross-h"></div><div class="cross-price"></div>` +
    `<div class="cross-time"></div><div class="last-line"></div><div class="last-price"></div>`;
  host.append(plotHost, overlay);
  const crossV = overlay.querySelector<HTMLElement>(".cross-v")!;
  const crossH = overlay.querySelector<HTMLElement>(".cross-h")!;
  const crossPrice = overlay.querySelector<HTMLElement>(".cross-price")!;
  const crossTime = overlay.querySelector<HTMLElement>(".cross-time")!;
  const lastLine = overlay.querySelector<HTMLElement>(".last-line")!;
  const lastPrice = overlay.querySelector<HTMLElement>(".last-price")!;

  function plotWidth(): number {
    return Math.max(1, width - MARGIN.left - MARGIN.right);
  }

  function span(): number {
    return view.end - view.start;
  }

  function maxSpan(): number {
    return Math.max(MIN_VISIBLE * 2, plotWidth());
  }

  function setFollowing(next: boolean): void {
    if (next === following) return;
    following = next;
    callbacks.onFollowChange(next);
  }

  function liveView(visible: number): ChartView {
    const end = bars.length - 1 + RIGHT_PAD;
    return { start: end - visible, end };
  }

  function scheduleRender(): void {
    if (frame !== null) return;
    frame = requestAnimationFrame(() => {
      frame = null;
      render();
    });
  }

  function scheduleSettle(): void {
    if (settleTimer !== null) clearTimeout(settleTimer);
    settleTimer = setTimeout(() => {
      settleTimer = null;
      callbacks.onViewSettled();
    }, SETTLE_MS);
  }

  function render(): void {
    const started = performance.now();
    const n = bars.length;
    plotHost.replaceChildren();
    rendered = null;
    if (n === 0 || width < 60 || height < 60) {
      lastLine.style.display = lastPrice.style.display = "none";
      return;
    }
    const i0 = Math.max(0, Math.floor(view.start) - 1);
    const i1 = Math.min(n - 1, Math.ceil(view.end) + 1);
    let lo = Infinity;
    let hi = -Infinity;
    let volMax = 0;
    const v0 = Math.max(0, Math.ceil(view.start - 0.5));
    const v1 = Math.min(n - 1, Math.floor(view.end + 0.5));
    for (let i = v0; i <= v1; i++) {
      lo = Math.min(lo, bars[i].low);
      hi = Math.max(hi, bars[i].high);
      volMax = Math.max(volMax, bars[i].volume);
    }
    if (lo === Infinity) {
      // Nothing in view (panned past the data): keep the scale of the nearest bars.
      for (const bar of i0 <= i1 ? bars.slice(i0, i1 + 1) : bars.slice(-50)) {
        lo = Math.min(lo, bar.low);
        hi = Math.max(hi, bar.high);
        volMax = Math.max(volMax, bar.volume);
      }
    }
    const pad = (hi - lo) * 0.08 || Math.abs(hi) * 0.002 || 1;
    const pLo = lo - pad;
    const pHi = hi + pad;
    const yLo = pLo - (pHi - pLo) * 0.3;
    const volSpan = (pHi - pLo) * 0.24;
    volMax = volMax > 0 ? volMax : 1;
    const ticks = priceTicks(pLo, pHi, Math.max(2, Math.floor((height - MARGIN.top - MARGIN.bottom) * 0.75 / 48)));
    const time = timeTicks(
      bars,
      { i0: Math.max(i0, v0), i1: Math.min(i1, v1), bucketMs },
      Math.max(2, Math.floor(plotWidth() / 90)),
    );
    const bands = gapBands();
    let layer: CandleLayer | null = null;
    const plot = Plot.plot({
      width,
      height,
      marginTop: MARGIN.top,
      marginRight: MARGIN.right,
      marginBottom: MARGIN.bottom,
      marginLeft: MARGIN.left,
      style: { background: "transparent", color: "#8b98a9", fontSize: "11px", overflow: "visible" },
      x: { type: "linear", domain: [view.start - 0.5, view.end + 0.5], axis: null },
      y: { type: "linear", domain: [yLo, pHi], axis: null },
      marks: [
        Plot.rect(bands, {
          x1: "x1",
          x2: "x2",
          y1: pLo,
          y2: pHi,
          fill: (d: { state: GapBand["state"] }) => GAP_FILL[d.state],
          fillOpacity: 0.14,
          clip: "frame",
          className: "fb-gap",
        }),
        Plot.ruleY(ticks, { stroke: "#1d2633", strokeWidth: 1, className: "fb-grid" }),
        Plot.ruleY([yLo + volSpan + (pLo - yLo - volSpan) / 2], { stroke: "#18202b", className: "fb-pane" }),
        // Candles and volume: a few paths instead of a node per bar (see candleLayer.ts); Plot's scales place them.
        (_index: number[], scales: { x?: (v: number) => number; y?: (v: number) => number }) => {
          layer = createCandleLayer(bars, {
            i0,
            i1,
            live: n - 1,
            geometry: {
              x: scales.x!,
              y: scales.y!,
              yLo,
              volMax,
              volSpan,
              bodyHalf: BODY_HALF,
              wickOffset: globalThis.devicePixelRatio > 1 ? 0 : 0.5,
              frame: {
                x: MARGIN.left,
                y: MARGIN.top,
                width: plotWidth(),
                height: Math.max(1, height - MARGIN.top - MARGIN.bottom),
              },
              colors: { up: UP, down: DOWN, upVolume: UP_VOLUME, downVolume: DOWN_VOLUME },
            },
          });
          return layer.node;
        },
        Plot.axisY(ticks, {
          anchor: "right",
          tickSize: 0,
          tickPadding: 6,
          tickFormat: (v: number) => formatPrice(v, decimals),
          className: "fb-yaxis",
        }),
        Plot.axisX(time.indices, {
          anchor: "bottom",
          tickSize: 4,
          tickFormat: (i: number) => time.label(i),
          className: "fb-xaxis",
        }),
      ],
    });
    plotHost.append(plot);
    rendered = {
      x: plot.scale("x")!,
      y: plot.scale("y")!,
      i0,
      i1,
      pLo,
      pHi,
      yLo,
      volMax,
      volSpan,
      layer,
    };
    placeLastPrice();
    const elapsed = performance.now() - started;
    metrics.renders++;
    metrics.lastRenderMs = elapsed;
    metrics.maxRenderMs = Math.max(metrics.maxRenderMs, elapsed);
    metrics.renderedBars = Math.max(0, i1 - i0 + 1);
    host.dataset.renders = String(metrics.renders);
  }

  /** Gap bands in index space: over the bars they touch, or a thin band between two bars when none is left. */
  function gapBands(): { x1: number; x2: number; state: GapBand["state"] }[] {
    const out: { x1: number; x2: number; state: GapBand["state"] }[] = [];
    for (const gap of gaps) {
      const first = lowerBound(bars, gap.fromMs - bucketMs + 1);
      const last = (gap.toMs === null ? bars.length : lowerBound(bars, gap.toMs)) - 1;
      if (first <= last) out.push({ x1: first - 0.5, x2: last + 0.5, state: gap.state });
      else out.push({ x1: first - 0.8, x2: first - 0.2, state: gap.state });
    }
    return out;
  }

  /** Moves the newest bar's elements to its new values; false when only a redraw can show it. */
  function patchLast(): boolean {
    const r = rendered;
    if (r === null) return false;
    const i = bars.length - 1;
    if (i < r.i0 || i > r.i1) {
      placeLastPrice(); // not drawn: nothing to move but the last-price line
      return true;
    }
    const bar = bars[i];
    if (bar.high > r.pHi || bar.low < r.pLo || bar.volume > r.volMax) return false;
    if (r.layer === null || !r.layer.patchLive(bar)) return false;
    placeLastPrice();
    return true;
  }

  function placeLastPrice(): void {
    const r = rendered;
    const bar = bars[bars.length - 1];
    if (r === null || bar === undefined || bar.close > r.pHi || bar.close < r.pLo) {
      lastLine.style.display = lastPrice.style.display = "none";
      return;
    }
    const top = r.y.apply(bar.close);
    const color = bar.close >= bar.open ? UP : DOWN;
    lastLine.style.display = lastPrice.style.display = "block";
    lastLine.style.transform = `translateY(${top}px)`;
    lastLine.style.borderColor = color;
    lastPrice.style.transform = `translateY(${top - 9}px)`;
    lastPrice.style.background = color;
    lastPrice.textContent = formatPrice(bar.close, decimals);
  }

  function updateLast(bar: Candle): void {
    const n = bars.length;
    const last = bars[n - 1];
    if (last !== undefined && bar.openTimeMs < last.openTimeMs) return;
    if (last !== undefined && bar.openTimeMs === last.openTimeMs) {
      bars[n - 1] = bar;
      if (frame !== null) return; // a redraw is coming anyway
      const started = performance.now();
      if (patchLast()) {
        metrics.patches++;
        metrics.lastPatchMs = performance.now() - started;
        host.dataset.patches = String(metrics.patches);
      } else scheduleRender();
      return;
    }
    bars.push(bar);
    if (following) view = liveView(span());
    scheduleRender();
  }

  function setData(
    next: Candle[],
    options: { bucketMs: number; gaps: readonly GapBand[]; decimals: number; view: ChartView | null },
  ): void {
    bars = next;
    bucketMs = options.bucketMs;
    gaps = options.gaps;
    decimals = options.decimals;
    if (options.view === null) {
      view = liveView(
        Math.min(Math.max(MIN_VISIBLE, bars.length + RIGHT_PAD), Math.max(MIN_VISIBLE, Math.floor(plotWidth() / 7))),
      );
      setFollowing(true);
    } else {
      view = { ...options.view };
      setFollowing(view.end >= bars.length - 1);
    }
    host.dataset.bars = String(bars.length);
    scheduleRender();
  }

  function setView(next: ChartView, fromGesture: boolean): void {
    let { start, end } = next;
    const s = Math.min(maxSpan(), Math.max(MIN_VISIBLE, end - start));
    if (end - start !== s) {
      const mid = (start + end) / 2;
      start = mid - s / 2;
      end = mid + s / 2;
    }
    // Never further than half a screen past either end of the data.
    const maxEnd = bars.length - 1 + Math.max(RIGHT_PAD, s * 0.5);
    const minStart = -s * 0.5;
    if (end > maxEnd) [start, end] = [maxEnd - s, maxEnd];
    if (start < minStart) [start, end] = [minStart, minStart + s];
    view = { start, end };
    setFollowing(end >= bars.length - 1);
    scheduleRender();
    if (fromGesture) scheduleSettle();
  }

  function zoomAt(factor: number, anchorIndex: number | null): void {
    const s = span();
    const next = Math.min(maxSpan(), Math.max(MIN_VISIBLE, s * factor));
    if (following || anchorIndex === null) {
      setView(
        following ? { start: view.end - next, end: view.end } : {
          start: (view.start + view.end) / 2 - next / 2,
          end: (view.start + view.end) / 2 + next / 2,
        },
        true,
      );
      return;
    }
    const ratio = next / s;
    setView({
      start: anchorIndex - (anchorIndex - view.start) * ratio,
      end: anchorIndex + (view.end - anchorIndex) * ratio,
    }, true);
  }

  function panBars(delta: number): void {
    setView({ start: view.start + delta, end: view.end + delta }, true);
  }

  function goLive(): void {
    setView(liveView(Math.min(span(), maxSpan())), false);
    setFollowing(true);
  }

  // ---- gestures ---------------------------------------------------------------------------------------------------
  const pointers = new Map<number, { x: number; y: number }>();
  let pinchDistance = 0;

  function indexAt(clientX: number): number | null {
    const r = rendered;
    if (r === null) return null;
    const px = clientX - host.getBoundingClientRect().left;
    return (r.x as Plot.Scale & { invert(v: number): number }).invert(px);
  }

  function onWheel(event: WheelEvent): void {
    event.preventDefault();
    // Trackpad pinches arrive as wheel events with ctrlKey and small deltas.
    const factor = Math.exp(event.deltaY * (event.ctrlKey ? 0.01 : 0.0015));
    zoomAt(factor, indexAt(event.clientX));
  }

  function onPointerDown(event: PointerEvent): void {
    if (event.button !== 0 && event.pointerType === "mouse") return;
    host.setPointerCapture(event.pointerId);
    pointers.set(event.pointerId, { x: event.clientX, y: event.clientY });
    if (pointers.size === 2) pinchDistance = distance();
    host.classList.add("dragging");
  }

  function onPointerMove(event: PointerEvent): void {
    const known = pointers.get(event.pointerId);
    if (known === undefined) {
      hover(event);
      return;
    }
    if (pointers.size === 1) {
      const dx = event.clientX - known.x;
      known.x = event.clientX;
      known.y = event.clientY;
      const pxPerBar = plotWidth() / (span() + 1);
      if (dx !== 0) panBars(-dx / pxPerBar);
      hover(event);
      return;
    }
    known.x = event.clientX;
    known.y = event.clientY;
    const d = distance();
    if (pinchDistance > 0 && d > 0) {
      const points = [...pointers.values()];
      zoomAt(pinchDistance / d, indexAt((points[0].x + points[1].x) / 2));
    }
    pinchDistance = d;
  }

  function onPointerUp(event: PointerEvent): void {
    pointers.delete(event.pointerId);
    if (pointers.size < 2) pinchDistance = 0;
    if (pointers.size === 0) host.classList.remove("dragging");
  }

  function distance(): number {
    const [a, b] = [...pointers.values()];
    return a && b ? Math.hypot(a.x - b.x, a.y - b.y) : 0;
  }

  function hover(event: PointerEvent): void {
    const r = rendered;
    if (r === null || bars.length === 0) return;
    const box = host.getBoundingClientRect();
    const px = event.clientX - box.left;
    const py = event.clientY - box.top;
    if (px < MARGIN.left || px > width - MARGIN.right || py < MARGIN.top || py > height - MARGIN.bottom) {
      leave();
      return;
    }
    const index = Math.min(bars.length - 1, Math.max(0, Math.round(indexAt(event.clientX) ?? 0)));
    const bar = bars[index];
    const x = r.x.apply(index);
    overlay.classList.add("hovering");
    crossV.style.transform = `translateX(${x}px)`;
    crossH.style.transform = `translateY(${py}px)`;
    const price = (r.y as Plot.Scale & { invert(v: number): number }).invert(py);
    crossPrice.style.transform = `translateY(${py - 9}px)`;
    crossPrice.textContent = price >= r.pLo ? formatPrice(price, decimals) : "";
    crossPrice.style.visibility = price >= r.pLo ? "visible" : "hidden";
    crossTime.style.transform = `translateX(${x}px)`;
    crossTime.textContent = formatBarTime(bar.openTimeMs, bucketMs);
    callbacks.onHover(bar);
  }

  function leave(): void {
    overlay.classList.remove("hovering");
    callbacks.onHover(null);
  }

  host.addEventListener("wheel", onWheel, { passive: false });
  host.addEventListener("pointerdown", onPointerDown);
  host.addEventListener("pointermove", onPointerMove);
  host.addEventListener("pointerup", onPointerUp);
  host.addEventListener("pointercancel", onPointerUp);
  host.addEventListener("pointerleave", leave);

  return {
    metrics,
    get bars() {
      return bars;
    },
    get view() {
      return view;
    },
    get following() {
      return following;
    },
    setData,
    updateLast,
    plotWidth,
    visibleCount: () =>
      Math.max(0, Math.min(bars.length - 1, Math.floor(view.end + 0.5)) - Math.max(0, Math.ceil(view.start - 0.5)) + 1),
    goLive,
    zoomAt,
    panBars,
    resize(w: number, h: number): void {
      if (w === width && h === height) return;
      width = Math.floor(w);
      height = Math.floor(h);
      if (following && bars.length > 0) view = liveView(span());
      scheduleRender();
    },
    destroy(): void {
      if (frame !== null) cancelAnimationFrame(frame);
      if (settleTimer !== null) clearTimeout(settleTimer);
      host.removeEventListener("wheel", onWheel);
      host.removeEventListener("pointerdown", onPointerDown);
      host.removeEventListener("pointermove", onPointerMove);
      host.removeEventListener("pointerup", onPointerUp);
      host.removeEventListener("pointercancel", onPointerUp);
      host.removeEventListener("pointerleave", leave);
      plotHost.remove();
      overlay.remove();
    },
  };
}

/** First index whose open time is >= `ms`. */
function lowerBound(bars: readonly Candle[], ms: number): number {
  let low = 0;
  let high = bars.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (bars[mid].openTimeMs < ms) low = mid + 1;
    else high = mid;
  }
  return low;
}
