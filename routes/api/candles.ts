/** GET /api/candles?symbol&interval&from&to&width&bucket — one chart viewport (core/terminal/loadViewport.ts). */
import type { AppState } from "../../core/appState.ts";
import { WorkerRequestError } from "../../core/ingest/ingestClient.ts";
import { parseViewportQuery } from "../../core/terminal/candleRequest.ts";
import { jsonFail, jsonOk } from "../../core/terminal/jsonResponse.ts";
import { loadViewport } from "../../core/terminal/loadViewport.ts";
import { createDefine } from "../../core/web/mod.ts";

const define = createDefine<AppState>();

export const handler = define.handlers({
  async GET(ctx) {
    const parsed = parseViewportQuery(ctx.url.searchParams);
    if (parsed.kind === "rejected") return jsonFail(400, `Bad candles request: ${parsed.reason}`);
    try {
      const viewport = await loadViewport(ctx.state.ingest, parsed.value);
      const instrument = ctx.state.terminal.symbols.get(viewport.symbol);
      return jsonOk({ ...viewport, name: instrument?.name ?? "", tickSize: instrument?.tickSize ?? null });
    } catch (error) {
      if (error instanceof WorkerRequestError && error.status !== 500) {
        return jsonFail(error.status, `Cannot load candles: ${error.message}`);
      }
      throw error;
    }
  },
});
