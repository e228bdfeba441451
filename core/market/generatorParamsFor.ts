import type { GeneratorParams } from "./createCandleGenerator.ts";
import type { AssetClass, GeneratorSpec, Instrument } from "./types.ts";

/** Coins trade in fractions; shares, FX tick counts and index "volume" in whole units. */
const VOLUME_DECIMALS: Record<AssetClass, number> = { equity: 0, etf: 0, fx: 0, crypto: 4, index: 0 };
/** Above this many units a minute (a meme coin's billions), fractions of a unit are noise. */
const WHOLE_UNITS_FROM = 1_000;

/** Generator parameters for an instrument from its mapping row's generator columns. */
export function generatorParamsFor(instrument: Instrument, spec: GeneratorSpec): GeneratorParams {
  return {
    seed: spec.seed,
    startPrice: spec.startPrice,
    drift: spec.drift,
    volatility: spec.volatility,
    baseVolume: spec.baseVolume,
    session: spec.session,
    tickSize: instrument.tickSize,
    volumeDecimals: spec.baseVolume >= WHOLE_UNITS_FROM ? 0 : VOLUME_DECIMALS[instrument.assetClass],
  };
}
