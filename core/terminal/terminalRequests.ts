/** Worker-side requests of the terminal (chart, watchlist): they read the cache on the worker's read connection. */
import { RequestError } from "../ingest/requestError.ts";
import type { RequestHandler } from "../ingest/workerRequests.ts";
import { parseCandleRequest } from "./candleRequest.ts";
import { queryCandleViewport } from "./candleViewport.ts";

export const TERMINAL_REQUESTS: Record<string, RequestHandler> = {
  /** One chart viewport, re-bucketed to at most `maxRows` bars: see candleViewport.ts. */
  candles: async (ctx, params) => {
    const parsed = parseCandleRequest(params);
    if (parsed.kind === "rejected") throw new RequestError(parsed.reason);
    return await queryCandleViewport(ctx.reader, parsed.value);
  },
};
