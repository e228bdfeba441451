/** `watchlistRow()`: one watchlist row — the instrument's name and its quote from the live window. */
import type { BaseState } from "../appState.ts";
import { type Quote, quoteOf } from "./quoteOf.ts";
import type { TerminalState } from "./terminalState.ts";

export interface WatchlistRow {
  symbol: string;
  name: string;
  /** The instrument's price increment (how many decimals to show); null when unknown. */
  tickSize: number | null;
  /** null: no bars of it yet. */
  quote: Quote | null;
}

export function watchlistRow(state: Pick<BaseState, "ingest"> & TerminalState, symbol: string): WatchlistRow {
  const instrument = state.terminal.symbols.get(symbol);
  return {
    symbol,
    name: instrument?.name ?? "",
    tickSize: instrument?.tickSize ?? null,
    quote: quoteOf(state.ingest.window, symbol),
  };
}
