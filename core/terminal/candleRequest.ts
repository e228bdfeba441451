/**
 * Validation of the chart's viewport parameters, at both edges: `parseViewportQuery()` for the HTTP query string
 * (`/api/candles?symbol&interval&from&to&width&bucket`), `parseCandleRequest()` for what reaches the worker. Both
 * return values, never throw: a rejection carries a message for a 400.
 */
import { CHART_INTERVALS, parseInterval } from "../ingest/interval.ts";
import { SYMBOL_PATTERN } from "../market/parseUniverse.ts";
import type { CandleRequest } from "./candleViewport.ts";

/** Pixels per bar the chart needs to stay readable: the viewport holds at most width / PX_PER_CANDLE bars. */
export const PX_PER_CANDLE = 3;
export const MIN_WIDTH_PX = 40;
export const MAX_WIDTH_PX = 12_000;
/** The most bars one request may ask for (worker side). */
export const MAX_ROWS = Math.floor(MAX_WIDTH_PX / PX_PER_CANDLE);
/** Latest time accepted, ms (year 2500): far beyond any bar, well inside DuckDB's timestamps. */
const MAX_TIME_MS = 16_725_225_600_000;

export type Parsed<T> = { kind: "ok"; value: T } | { kind: "rejected"; reason: string };

export interface ViewportQuery {
  symbol: string;
  interval: string;
  fromMs: number | null;
  toMs: number | null;
  /** Width of the plot area in CSS px. */
  width: number;
  /** Smallest bucket wanted, e.g. the one the chart shows while it loads older bars. */
  minBucketMs: number | null;
}

/** The rows a chart `width` px wide may get. */
export function maxRowsFor(width: number): number {
  return Math.max(1, Math.floor(width / PX_PER_CANDLE));
}

export function parseViewportQuery(params: URLSearchParams): Parsed<ViewportQuery> {
  for (const name of params.keys()) {
    if (!["symbol", "interval", "from", "to", "width", "bucket"].includes(name)) {
      return rejected(`unknown parameter ${JSON.stringify(name)} (known: symbol, interval, from, to, width, bucket)`);
    }
  }
  const symbol = params.get("symbol");
  if (symbol === null || symbol === "") return rejected("symbol is required, e.g. ?symbol=AAPL");
  if (!SYMBOL_PATTERN.test(symbol)) {
    return rejected(`symbol ${JSON.stringify(symbol.slice(0, 40))} is not a symbol (${SYMBOL_PATTERN.source})`);
  }
  const interval = params.get("interval") ?? "1m";
  if (!CHART_INTERVALS.includes(interval)) {
    return rejected(`interval ${JSON.stringify(interval.slice(0, 20))} is not one of ${CHART_INTERVALS.join(", ")}`);
  }
  const from = timeParam(params, "from");
  if (from.kind === "rejected") return from;
  const to = timeParam(params, "to");
  if (to.kind === "rejected") return to;
  if (from.value !== null && to.value !== null && from.value >= to.value) {
    return rejected(`from (${from.value}) must be before to (${to.value})`);
  }
  const widthText = params.get("width");
  let width = 1000;
  if (widthText !== null) {
    width = Number(widthText);
    if (!/^\d{1,6}$/.test(widthText) || width < MIN_WIDTH_PX || width > MAX_WIDTH_PX) {
      return rejected(
        `width ${
          JSON.stringify(widthText.slice(0, 20))
        } must be a whole number of px from ${MIN_WIDTH_PX} to ${MAX_WIDTH_PX}`,
      );
    }
  }
  const bucketText = params.get("bucket");
  let minBucketMs: number | null = null;
  if (bucketText !== null) {
    try {
      minBucketMs = parseInterval(bucketText);
    } catch {
      return rejected(`bucket ${JSON.stringify(bucketText.slice(0, 20))} is not an interval such as "15m" or "1w"`);
    }
  }
  return { kind: "ok", value: { symbol, interval, fromMs: from.value, toMs: to.value, width, minBucketMs } };
}

/** Checks what the main thread posts to the worker's `candles` request. */
export function parseCandleRequest(params: unknown): Parsed<CandleRequest> {
  if (typeof params !== "object" || params === null) return rejected("candles: params must be an object");
  const p = params as Record<string, unknown>;
  if (typeof p.symbol !== "string" || !SYMBOL_PATTERN.test(p.symbol)) {
    return rejected(`candles: symbol ${JSON.stringify(p.symbol)} is not a symbol`);
  }
  if (typeof p.interval !== "string") return rejected("candles: interval must be a string");
  try {
    parseInterval(p.interval);
  } catch (error) {
    return rejected(`candles: ${(error as Error).message}`);
  }
  for (const name of ["fromMs", "toMs", "minBucketMs"] as const) {
    const value = p[name];
    if (value !== null && value !== undefined && !(Number.isSafeInteger(value) && (value as number) >= 0)) {
      return rejected(`candles: ${name} must be a whole number of ms >= 0 or null, got ${JSON.stringify(value)}`);
    }
  }
  const fromMs = (p.fromMs ?? null) as number | null;
  const toMs = (p.toMs ?? null) as number | null;
  if (fromMs !== null && toMs !== null && fromMs >= toMs) {
    return rejected(`candles: fromMs (${fromMs}) must be before toMs (${toMs})`);
  }
  if (!(Number.isSafeInteger(p.maxRows) && (p.maxRows as number) >= 1 && (p.maxRows as number) <= MAX_ROWS)) {
    return rejected(`candles: maxRows must be a whole number from 1 to ${MAX_ROWS}, got ${JSON.stringify(p.maxRows)}`);
  }
  return {
    kind: "ok",
    value: {
      symbol: p.symbol,
      interval: p.interval,
      fromMs,
      toMs,
      maxRows: p.maxRows as number,
      minBucketMs: (p.minBucketMs ?? null) as number | null,
    },
  };
}

function timeParam(params: URLSearchParams, name: string): Parsed<number | null> {
  const text = params.get(name);
  if (text === null || text === "") return { kind: "ok", value: null };
  if (!/^\d{1,16}$/.test(text) || Number(text) > MAX_TIME_MS) {
    return rejected(
      `${name} ${JSON.stringify(text.slice(0, 30))} must be a time in ms since 1970-01-01 UTC (0 to ${MAX_TIME_MS})`,
    );
  }
  return { kind: "ok", value: Number(text) };
}

function rejected(reason: string): { kind: "rejected"; reason: string } {
  return { kind: "rejected", reason };
}
