/** GET /api/quotes?symbols=A,B — watchlist rows for these symbols right now (the stream only sends changes). */
import type { AppState } from "../../core/appState.ts";
import { SYMBOL_PATTERN } from "../../core/market/parseUniverse.ts";
import { jsonFail, jsonOk } from "../../core/terminal/jsonResponse.ts";
import { MAX_WATCHLIST } from "../../core/terminal/openWatchlist.ts";
import { watchlistRow } from "../../core/terminal/watchlistRow.ts";
import { createDefine } from "../../core/web/mod.ts";

const define = createDefine<AppState>();

export const handler = define.handlers({
  GET(ctx) {
    const text = ctx.url.searchParams.get("symbols") ?? "";
    const symbols = text.split(",").filter((symbol) => symbol !== "");
    if (symbols.length === 0) return jsonFail(400, "Bad quotes request: symbols is required, e.g. ?symbols=AAPL,MSFT");
    if (symbols.length > MAX_WATCHLIST) {
      return jsonFail(400, `Bad quotes request: ${symbols.length} symbols, at most ${MAX_WATCHLIST}`);
    }
    const bad = symbols.find((symbol) => !SYMBOL_PATTERN.test(symbol));
    if (bad !== undefined) {
      return jsonFail(400, `Bad quotes request: ${JSON.stringify(bad.slice(0, 40))} is not a symbol`);
    }
    return jsonOk({ rows: symbols.map((symbol) => watchlistRow(ctx.state, symbol)) });
  },
});
