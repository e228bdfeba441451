/** GET /api/symbols?q=&limit= — symbol search over the universe, ranked (core/terminal/createSymbolIndex.ts). */
import type { AppState } from "../../core/appState.ts";
import { jsonFail, jsonOk } from "../../core/terminal/jsonResponse.ts";
import { createDefine } from "../../core/web/mod.ts";

const define = createDefine<AppState>();
const MAX_QUERY = 64;

export const handler = define.handlers({
  GET(ctx) {
    const q = ctx.url.searchParams.get("q") ?? "";
    if (q.length > MAX_QUERY) {
      return jsonFail(400, `Bad symbol search: q is ${q.length} characters, at most ${MAX_QUERY}`);
    }
    const limitText = ctx.url.searchParams.get("limit");
    const limit = limitText === null ? 12 : Number(limitText);
    if (!/^\d{1,3}$/.test(limitText ?? "12") || limit < 1 || limit > 50) {
      return jsonFail(400, `Bad symbol search: limit ${JSON.stringify(limitText)} must be a whole number from 1 to 50`);
    }
    const { terminal } = ctx.state;
    return jsonOk({ query: q, hits: terminal.symbols.search(q, { limit, isLive: terminal.isLive }) });
  },
});
