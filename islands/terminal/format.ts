/** Number and time formatting shared by the terminal's islands, on the server (SSR) and in the browser. UTC. */

/** Decimals a price shows: from the instrument's tick size when known, else from its magnitude. */
export function priceDecimals(price: number, tickSize?: number): number {
  if (tickSize !== undefined && tickSize > 0) return Math.min(8, Math.max(0, Math.ceil(-Math.log10(tickSize) - 1e-9)));
  const abs = Math.abs(price);
  return abs >= 1000 ? 2 : abs >= 10 ? 2 : abs >= 1 ? 4 : 5;
}

export function formatPrice(price: number, decimals: number): string {
  return price.toLocaleString("en-US", { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}

/** A signed change; large ones drop decimals so that the column stays narrow. */
export function formatSigned(value: number, decimals: number): string {
  const abs = Math.abs(value);
  const text = formatPrice(abs, abs >= 1000 ? 0 : abs >= 100 ? Math.min(decimals, 1) : decimals);
  return value > 0 ? `+${text}` : value < 0 ? `−${text}` : text;
}

export function formatPercent(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return "—";
  const text = Math.abs(value).toFixed(2);
  return value > 0 ? `+${text}%` : value < 0 ? `−${text}%` : `${text}%`;
}

/** 1234 → "1,234"; 1_234_567 → "1.23M". */
export function formatVolume(volume: number): string {
  const abs = Math.abs(volume);
  if (abs >= 1e9) return `${(volume / 1e9).toFixed(2)}B`;
  if (abs >= 1e6) return `${(volume / 1e6).toFixed(2)}M`;
  if (abs >= 1e4) return `${(volume / 1e3).toFixed(1)}K`;
  return Math.round(volume).toLocaleString("en-US");
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

function two(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** "14:35" */
export function formatClock(ms: number): string {
  const d = new Date(ms);
  return `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}`;
}

/** "Mar 4" */
export function formatDay(ms: number): string {
  const d = new Date(ms);
  return `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}`;
}

/** A bar's time for the readout: "2024-03-04 14:35" intraday, "2024-03-04" for daily and longer bars. */
export function formatBarTime(ms: number, bucketMs: number): string {
  const d = new Date(ms);
  const date = `${d.getUTCFullYear()}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())}`;
  return bucketMs >= 86_400_000 ? date : `${date} ${formatClock(ms)}`;
}

/** "3s ago", "4m ago" */
export function formatAge(ms: number): string {
  if (ms < 1000) return "now";
  if (ms < 60_000) return `${Math.floor(ms / 1000)}s ago`;
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)}m ago`;
  return `${Math.floor(ms / 3_600_000)}h ago`;
}
