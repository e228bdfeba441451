import type { Candle } from "../wire/types.ts";
import { formatIsoUtc } from "./isoUtc.ts";
import { CANDLE_COLUMNS } from "./parseCandleCsv.ts";

export interface FormatCandleCsvOptions {
  /** Write prices with exactly this many decimals (the tick's); default: the shortest exact form. */
  priceDecimals?: number;
  /** Write volumes with exactly this many decimals; default: the shortest exact form. */
  volumeDecimals?: number;
  /** Write open times as dates (`2024-03-04`), for daily bars; every time must then be at 00:00 UTC. */
  dateOnly?: boolean;
}

/** A candle CSV with header, LF line endings and a final newline: what parseCandleCsv reads back. */
export function formatCandleCsv(candles: readonly Candle[], options: FormatCandleCsvOptions = {}): string {
  const { priceDecimals, volumeDecimals, dateOnly = false } = options;
  const price = priceDecimals === undefined ? String : (x: number): string => x.toFixed(priceDecimals);
  const volume = volumeDecimals === undefined ? String : (x: number): string => x.toFixed(volumeDecimals);
  const lines = [CANDLE_COLUMNS.join(",")];
  for (const c of candles) {
    lines.push(
      `${formatIsoUtc(c.openTimeMs, { dateOnly })},${price(c.open)},${price(c.high)},${price(c.low)},` +
        `${price(c.close)},${volume(c.volume)}`,
    );
  }
  return lines.join("\n") + "\n";
}
