/**
 * GET /api/watchlist — the saved symbols with their rows; POST /api/watchlist `{"symbols": [...]}` — replaces them
 * (persisted in data/watchlist.json). Cross-site POSTs never get here: the web layer checks Host and Origin.
 */
import type { AppState } from "../../core/appState.ts";
import { jsonFail, jsonOk } from "../../core/terminal/jsonResponse.ts";
import { watchlistRow } from "../../core/terminal/watchlistRow.ts";
import { createDefine, readJsonBody } from "../../core/web/mod.ts";

const define = createDefine<AppState>();

export const handler = define.handlers({
  GET(ctx) {
    const symbols = ctx.state.terminal.watchlist.symbols();
    return jsonOk({ symbols, rows: symbols.map((symbol) => watchlistRow(ctx.state, symbol)) });
  },
  async POST(ctx) {
    const body = await readJsonBody(ctx.req, { limitBytes: 16 * 1024 });
    if (body.kind === "rejected") return body.response;
    const saved = await ctx.state.terminal.watchlist.save(body.value);
    if (saved.kind === "rejected") return jsonFail(400, `Cannot save the watchlist: ${saved.reason}`);
    return jsonOk({ symbols: saved.value });
  },
});
