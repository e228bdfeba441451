/**
 * How the terminal's selection reaches the notebook: a same-origin BroadcastChannel named "fluxbook-selection"
 * (every tab of the app, no server round trip), plus the newest message under the localStorage key
 * "fluxbook.selection" for a notebook opened after the selection was made. The terminal posts
 *
 *   { "symbol": "AAPL", "interval": "5m", "fromMs": 1704153600000, "toMs": 1704240000000 }
 *
 * (every field optional; fromMs/toMs are the chart's visible range, ms since the Unix epoch, UTC) whenever its
 * watchlist selection or visible range changes. The page URL (?symbol=&interval=&from=&to=) wins on load.
 * This module only validates and maps messages: pure.
 */
import type { Params } from "./notebookTypes.ts";

export const SELECTION_CHANNEL = "fluxbook-selection";
export const SELECTION_STORAGE_KEY = "fluxbook.selection";

export interface TerminalSelection {
  symbol?: string;
  interval?: string;
  fromMs?: number | null;
  toMs?: number | null;
}

/** The parameters a selection message sets; null when it is not one. */
export function selectionParams(message: unknown): Params | null {
  if (typeof message !== "object" || message === null || Array.isArray(message)) return null;
  const m = message as Record<string, unknown>;
  const params: Record<string, string | null> = {};
  if (typeof m.symbol === "string" && /^[A-Za-z0-9._:/-]{1,32}$/.test(m.symbol)) params.symbol = m.symbol;
  if (typeof m.interval === "string" && /^[1-9][0-9]{0,9}[smhdw]$/.test(m.interval)) params.interval = m.interval;
  for (const [key, param] of [["fromMs", "from"], ["toMs", "to"]] as const) {
    const value = m[key];
    if (value === null) params[param] = null;
    else if (typeof value === "number" && Number.isFinite(value)) params[param] = new Date(value).toISOString();
  }
  return Object.keys(params).length === 0 ? null : params;
}
