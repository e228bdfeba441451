import type { Candle } from "../wire/types.ts";
import { createRng } from "./createRng.ts";
import { intradayProfile } from "./intradayProfile.ts";
import { createTickRounder, MAX_TICK_DECIMALS, tickDecimals } from "./roundToTick.ts";
import { nextSessionBarMs } from "./sessionCalendar.ts";
import type { SessionKind } from "./types.ts";

/** Everything that decides a generated series: the same params give the same bars, bit for bit. */
export interface GeneratorParams {
  /** Integer in 0..2^53-1. */
  seed: number;
  /** Price at the first bar's open (rounded to the tick). */
  startPrice: number;
  /** Annualised drift of the log price. */
  drift: number;
  /** Annualised volatility of the log price (long-run average; GARCH makes it cluster around that). */
  volatility: number;
  /** Mean volume of a 1-minute bar. */
  baseVolume: number;
  session: SessionKind;
  tickSize: number;
  /** Decimals volumes are rounded to: 0 for shares and contracts, 4 for coins. Default 0. */
  volumeDecimals?: number;
  /** GARCH(1,1) weights of the last squared shock and the last variance; alpha + beta < 1. */
  garch?: { alpha: number; beta: number };
}

export interface CandleGenerator {
  /** The next 1-minute bar inside the session. */
  next(): Candle;
}

export const DEFAULT_GARCH = { alpha: 0.06, beta: 0.92 } as const;

const MINUTE_MS = 60_000;
/** Trading minutes per year, to turn annualised drift and volatility into per-minute ones. */
const MINUTES_PER_YEAR: Record<SessionKind, number> = {
  us_equity: 252 * 390,
  "24x5": 260 * 1440,
  "24x7": 365.25 * 1440,
};
/** Variance of the jump across a session break (a night, a weekend), as that many minutes of trading. */
const GAP_MINUTES = 60;
/** Log-normal noise of volume; the -sigma²/2 shift keeps its mean at 1. */
const VOLUME_NOISE = 0.4;

/**
 * 1-minute bars from a random walk of the log price: drift plus GARCH(1,1) variance (calm and busy stretches
 * cluster), scaled by the intraday profile; high and low are the extremes of the path inside the bar; volume
 * follows the profile and the current variance with log-normal noise. Bars exist only inside the session; the first bar
 * is the first session minute at or after `startMs`. Within a session each open is the previous close; after
 * a break the open gaps by a random jump. Prices are multiples of the tick and
 * `low <= min(open, close) <= max(open, close) <= high` always holds.
 */
export function createCandleGenerator(params: GeneratorParams, options: { startMs: number }): CandleGenerator {
  const decimals = checkParams(params);
  if (!Number.isFinite(options.startMs)) {
    throw new RangeError(`Cannot start the generator at ${options.startMs}: expected ms since the epoch`);
  }
  const { session, baseVolume } = params;
  const { alpha, beta } = params.garch ?? DEFAULT_GARCH;
  const volumeScale = 10 ** (params.volumeDecimals ?? 0);
  const round = createTickRounder(params.tickSize, decimals);
  const rng = createRng(params.seed);

  const minutesPerYear = MINUTES_PER_YEAR[session];
  const meanVariance = params.volatility ** 2 / minutesPerYear;
  const omega = meanVariance * (1 - alpha - beta);
  const minuteDrift = params.drift / minutesPerYear;

  let cursorMs = options.startMs;
  let previousOpenMs: number | null = null;
  let previousClose = round(params.startPrice);
  let x = Math.log(params.startPrice);
  let variance = meanVariance;

  function next(): Candle {
    const openTimeMs = nextSessionBarMs(session, cursorMs);
    cursorMs = openTimeMs + MINUTE_MS;
    const profile = intradayProfile(session, openTimeMs);

    let open = previousClose;
    if (previousOpenMs !== null && openTimeMs - previousOpenMs > MINUTE_MS) {
      x += Math.sqrt(variance * GAP_MINUTES) * rng.nextNormal();
      open = round(Math.exp(x));
    }

    const barVariance = variance * profile;
    const x0 = x;
    const shock = Math.sqrt(barVariance) * rng.nextNormal();
    x += minuteDrift + shock;
    // High and low are the extremes of a Brownian bridge from x0 to x over the bar (the exact law of a
    // continuous path's maximum given its ends), so bars get wicks like real ones, not only when a coarse
    // sub-step happens to poke out of the body.
    const span = x - x0;
    const highX = (x0 + x + Math.sqrt(span * span - 2 * barVariance * Math.log(1 - rng.nextFloat()))) / 2;
    const lowX = (x0 + x - Math.sqrt(span * span - 2 * barVariance * Math.log(1 - rng.nextFloat()))) / 2;
    // The profile scales variance by time of day; GARCH sees the de-seasonalised shock so the open's
    // bustle does not read as a volatility regime.
    variance = omega + alpha * (profile > 0 ? (shock * shock) / profile : 0) + beta * variance;

    const close = round(Math.exp(x));
    const high = Math.max(round(Math.exp(highX)), open, close);
    const low = Math.min(round(Math.exp(lowX)), open, close);

    const regime = meanVariance > 0 ? Math.min(5, Math.max(0.25, Math.sqrt(variance / meanVariance))) : 1;
    const noise = Math.exp(VOLUME_NOISE * rng.nextNormal() - (VOLUME_NOISE * VOLUME_NOISE) / 2);
    const volume = Math.round(baseVolume * profile * regime * noise * volumeScale) / volumeScale;

    previousOpenMs = openTimeMs;
    previousClose = close;
    return { openTimeMs, open, high, low, close, volume };
  }

  return { next };
}

/** Validates params and returns the tick's decimals; a bad value is a programming error, so it throws. */
function checkParams(p: GeneratorParams): number {
  const fail = (what: string, value: unknown, expected: string): never => {
    throw new RangeError(`Cannot generate candles: ${what} is ${value}, expected ${expected}`);
  };
  if (!Number.isSafeInteger(p.seed) || p.seed < 0) fail("seed", p.seed, "an integer in 0..2^53-1");
  if (!(p.startPrice > 0) || !Number.isFinite(p.startPrice)) fail("startPrice", p.startPrice, "a positive number");
  if (!Number.isFinite(p.drift)) fail("drift", p.drift, "a finite number");
  if (!(p.volatility >= 0) || !Number.isFinite(p.volatility)) fail("volatility", p.volatility, "a number >= 0");
  if (!(p.baseVolume >= 0) || !Number.isFinite(p.baseVolume)) fail("baseVolume", p.baseVolume, "a number >= 0");
  if (!(p.session in MINUTES_PER_YEAR)) fail("session", p.session, "us_equity, 24x5 or 24x7");
  const vd = p.volumeDecimals ?? 0;
  if (!Number.isInteger(vd) || vd < 0 || vd > 8) fail("volumeDecimals", vd, "an integer in 0..8");
  const { alpha, beta } = p.garch ?? DEFAULT_GARCH;
  if (!(alpha >= 0 && beta >= 0 && alpha + beta < 1)) {
    fail("garch", `alpha ${alpha}, beta ${beta}`, "alpha, beta >= 0 with alpha + beta < 1");
  }
  const decimals = tickDecimals(p.tickSize);
  if (decimals === null) fail("tickSize", p.tickSize, `a positive number with at most ${MAX_TICK_DECIMALS} decimals`);
  return decimals as number;
}
