/** Axis ticks for the candle chart: "nice" price steps, and time ticks at the bars where a calendar unit turns. */
import type { Candle } from "../../core/wire/types.ts";
import { formatClock, formatDay } from "./format.ts";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Round price levels between `lo` and `hi`, about `count` of them. */
export function priceTicks(lo: number, hi: number, count: number): number[] {
  if (!(hi > lo) || count < 1) return [];
  const raw = (hi - lo) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

type TimeStep = { kind: "ms"; ms: number } | { kind: "month" } | { kind: "year" };

const STEPS: readonly TimeStep[] = [
  ...[1, 5, 15, 30].map((m) => ({ kind: "ms" as const, ms: m * MINUTE })),
  ...[1, 2, 4, 6, 12].map((h) => ({ kind: "ms" as const, ms: h * HOUR })),
  { kind: "ms", ms: DAY },
  { kind: "month" },
  { kind: "year" },
];

function unitOf(ms: number, step: TimeStep): number {
  const d = new Date(ms);
  switch (step.kind) {
    case "ms":
      return Math.floor(ms / step.ms);
    case "month":
      return d.getUTCFullYear() * 12 + d.getUTCMonth();
    case "year":
      return d.getUTCFullYear();
  }
}

export interface TimeTicks {
  /** Bar indices. */
  indices: number[];
  label(index: number): string;
}

/** Ticks for bars[i0..i1]: the bars where the chosen calendar unit turns, at most `maxTicks` of them. */
export function timeTicks(
  bars: readonly Candle[],
  range: { i0: number; i1: number; bucketMs: number },
  maxTicks: number,
): TimeTicks {
  const from = Math.max(1, range.i0);
  const to = Math.min(bars.length - 1, range.i1);
  const barMs = range.bucketMs;
  for (const step of STEPS) {
    if (step.kind === "ms" && step.ms < barMs) continue;
    const indices: number[] = [];
    for (let i = from; i <= to && indices.length <= maxTicks; i++) {
      if (unitOf(bars[i].openTimeMs, step) !== unitOf(bars[i - 1].openTimeMs, step)) indices.push(i);
    }
    if (indices.length <= maxTicks) {
      return {
        indices,
        label(i: number): string {
          const ms = bars[i]?.openTimeMs;
          if (ms === undefined) return "";
          if (step.kind === "year") return String(new Date(ms).getUTCFullYear());
          if (step.kind === "month") {
            const d = new Date(ms);
            return d.getUTCMonth() === 0 ? String(d.getUTCFullYear()) : formatDay(ms).split(" ")[0];
          }
          const newDay = i > 0 && Math.floor(bars[i - 1].openTimeMs / DAY) !== Math.floor(ms / DAY);
          return step.ms >= DAY || newDay ? formatDay(ms) : formatClock(ms);
        },
      };
    }
  }
  return { indices: [], label: () => "" };
}
