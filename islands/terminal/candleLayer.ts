/**
 * The candles and volume bars of one chart redraw, as a handful of SVG nodes: one <path> per colour for the volume
 * bars, the wicks and the bodies (6 paths for any number of bars), plus the newest bar drawn on its own (a volume
 * rect, a wick line, a body rect) so that a live revision moves three attributes instead of rebuilding a path.
 *
 * A node per candle (3 per bar, ~900 at the widest view) made every redraw pay Plot's per-datum work, the
 * allocation of those nodes (and the garbage collections it brought) and the style and paint of each one; with
 * paths the redraw's own time drops several-fold and no longer grows much with the bar count. Browser only.
 */
import type { Candle } from "../../core/wire/types.ts";

const SVG_NS = "http://www.w3.org/2000/svg";

export interface CandleColors {
  up: string;
  down: string;
  upVolume: string;
  downVolume: string;
}

export interface CandleGeometry {
  /** Index → px. */
  x(index: number): number;
  /** Price → px; volume is drawn in price units too, in the pane [yLo, yLo + volSpan]. */
  y(value: number): number;
  yLo: number;
  volMax: number;
  volSpan: number;
  /** Half the body's width, in bars. */
  bodyHalf: number;
  /** Added to a wick's x: 0.5 keeps a 1-px line crisp at devicePixelRatio 1, as Plot's rules do. */
  wickOffset: number;
  /** Plot area in px; everything is clipped to it. */
  frame: { x: number; y: number; width: number; height: number };
  colors: CandleColors;
}

export interface CandleLayer {
  readonly node: SVGGElement;
  /** Moves the newest bar's own elements to `bar`; false when that bar is not drawn on its own in this layer. */
  patchLive(bar: Candle): boolean;
}

let nextClipId = 0;

/**
 * Draws bars[i0..i1]; the bar at `live` (when inside that range) gets its own elements. Paint order is the one of
 * the node-per-bar chart: all volume bars, then all wicks, then all bodies.
 */
export function createCandleLayer(
  bars: readonly Candle[],
  options: { i0: number; i1: number; live: number | null; geometry: CandleGeometry },
): CandleLayer {
  const { i0, i1, geometry: g } = options;
  const live = options.live !== null && options.live >= i0 && options.live <= i1 ? options.live : null;
  const yBase = g.y(g.yLo);
  let volUp = "";
  let volDown = "";
  let wickUp = "";
  let wickDown = "";
  let bodyUp = "";
  let bodyDown = "";
  for (let i = i0; i <= i1; i++) {
    if (i === live) continue;
    const bar = bars[i];
    const left = px(g.x(i - g.bodyHalf));
    const w = px(g.x(i + g.bodyHalf) - g.x(i - g.bodyHalf));
    const cx = px(g.x(i) + g.wickOffset);
    const yOpen = g.y(bar.open);
    const yClose = g.y(bar.close);
    const yTop = g.y(g.yLo + (bar.volume / g.volMax) * g.volSpan);
    const vol = `M${left} ${px(Math.min(yBase, yTop))}h${w}v${px(Math.abs(yBase - yTop))}h${-w}z`;
    const wick = `M${cx} ${px(g.y(bar.high))}V${px(g.y(bar.low))}`;
    const body = `M${left} ${px(Math.min(yOpen, yClose) - 0.5)}h${w}v${px(Math.abs(yClose - yOpen) + 1)}h${-w}z`;
    if (bar.close >= bar.open) {
      volUp += vol;
      wickUp += wick;
      bodyUp += body;
    } else {
      volDown += vol;
      wickDown += wick;
      bodyDown += body;
    }
  }

  const clipId = `fb-candle-clip-${++nextClipId}`;
  const node = element("g", { class: "fb-candles", "clip-path": `url(#${clipId})` }) as SVGGElement;
  const clip = element("clipPath", { id: clipId });
  clip.append(element("rect", {
    x: g.frame.x,
    y: g.frame.y,
    width: g.frame.width,
    height: g.frame.height,
  }));
  const volumes = element("g", { class: "fb-vol" });
  volumes.append(
    element("path", { d: volUp, fill: g.colors.upVolume }),
    element("path", { d: volDown, fill: g.colors.downVolume }),
  );
  const wicks = element("g", { class: "fb-wick", fill: "none" });
  wicks.append(
    element("path", { d: wickUp, stroke: g.colors.up }),
    element("path", { d: wickDown, stroke: g.colors.down }),
  );
  const bodies = element("g", { class: "fb-body" });
  bodies.append(
    element("path", { d: bodyUp, fill: g.colors.up }),
    element("path", { d: bodyDown, fill: g.colors.down }),
  );
  node.append(clip, volumes, wicks, bodies);

  let liveVolume: Element | null = null;
  let liveWick: Element | null = null;
  let liveBody: Element | null = null;
  if (live !== null) {
    const left = g.x(live - g.bodyHalf);
    const width = g.x(live + g.bodyHalf) - left;
    const cx = g.x(live) + g.wickOffset;
    liveVolume = element("rect", { class: "fb-live", x: left, width });
    liveWick = element("line", { class: "fb-live", x1: cx, x2: cx });
    liveBody = element("rect", { class: "fb-live", x: left, width });
    volumes.append(liveVolume);
    wicks.append(liveWick);
    bodies.append(liveBody);
    place(bars[live]);
  }

  function place(bar: Candle): void {
    const up = bar.close >= bar.open;
    const yOpen = g.y(bar.open);
    const yClose = g.y(bar.close);
    liveBody!.setAttribute("y", String(Math.min(yOpen, yClose) - 0.5));
    liveBody!.setAttribute("height", String(Math.abs(yClose - yOpen) + 1));
    liveBody!.setAttribute("fill", up ? g.colors.up : g.colors.down);
    liveWick!.setAttribute("y1", String(g.y(bar.low)));
    liveWick!.setAttribute("y2", String(g.y(bar.high)));
    liveWick!.setAttribute("stroke", up ? g.colors.up : g.colors.down);
    const yTop = g.y(g.yLo + (bar.volume / g.volMax) * g.volSpan);
    liveVolume!.setAttribute("y", String(Math.min(yBase, yTop)));
    liveVolume!.setAttribute("height", String(Math.abs(yBase - yTop)));
    liveVolume!.setAttribute("fill", up ? g.colors.upVolume : g.colors.downVolume);
  }

  return {
    node,
    patchLive(bar: Candle): boolean {
      if (liveBody === null) return false;
      place(bar);
      return true;
    },
  };
}

/** Pixels to 2 decimals: a shorter path string, the same picture. */
function px(value: number): number {
  return Math.round(value * 100) / 100;
}

function element(name: string, attributes: Record<string, string | number>): Element {
  const node = document.createElementNS(SVG_NS, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  return node;
}
