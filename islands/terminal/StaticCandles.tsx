/**
 * The chart as the server renders it, before the island hydrates: plain SVG candles and volume of the newest bars,
 * stretched to the box. Replaced by the interactive chart once it mounts.
 */
import type { Candle } from "../../core/wire/types.ts";

const W = 1000;
const H = 420;
const MAX_BARS = 160;

export default function StaticCandles(props: { candles: readonly Candle[] }) {
  const bars = props.candles.slice(-MAX_BARS);
  if (bars.length === 0) return null;
  let lo = Infinity;
  let hi = -Infinity;
  let volMax = 1;
  for (const bar of bars) {
    lo = Math.min(lo, bar.low);
    hi = Math.max(hi, bar.high);
    volMax = Math.max(volMax, bar.volume);
  }
  const pad = (hi - lo) * 0.08 || 1;
  lo -= pad;
  hi += pad;
  const priceH = H * 0.76;
  const y = (v: number): number => ((hi - v) / (hi - lo)) * priceH;
  const step = W / bars.length;
  return (
    <svg class="chart-static" viewBox={`0 0 ${W} ${H}`} preserveAspectRatio="none" aria-label="candles">
      {bars.map((bar, i) => {
        const up = bar.close >= bar.open;
        const cx = (i + 0.5) * step;
        const top = y(Math.max(bar.open, bar.close));
        const volH = (bar.volume / volMax) * H * 0.2;
        return (
          <g key={bar.openTimeMs} class={up ? "up" : "down"}>
            <line x1={cx} x2={cx} y1={y(bar.high)} y2={y(bar.low)} />
            <rect
              x={cx - step * 0.36}
              width={step * 0.72}
              y={top}
              height={Math.max(1, y(Math.min(bar.open, bar.close)) - top)}
            />
            <rect class="vol" x={cx - step * 0.36} width={step * 0.72} y={H - volH} height={volH} />
          </g>
        );
      })}
    </svg>
  );
}
