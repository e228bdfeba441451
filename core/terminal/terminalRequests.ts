/** Worker-side requests of the terminal (chart, watchlist): they read the cache on the worker's read connection. */
import type { RequestHandler } from "../ingest/workerRequests.ts";
import { parseCandleRequest } from "./candleRequest.ts";
import { queryCandleViewport } from "./candleViewport.ts";

export const TERMINAL_REQUESTS: Record<string, RequestHandler> = {
  /** One chart viewport, re-bucketed to at most `maxRows` bars: see candleViewport.ts. */
  candles: async (ctx, params) => {
    const parsed = parseCandleRequest(params);
    if (parsed.kind === "rejected") throw await badRequest(parsed.reason);
    return await queryCandleViewport(ctx.reader, parsed.value);
  },
};

/**
 * A RequestError (answered as a 400). Imported when needed, not at the top: workerRequests.ts imports this module
 * to build its handler table, so a static import would be a cycle that fails whenever this module loads first.
 */
async function badRequest(message: string): Promise<Error> {
  const { RequestError } = await import("../ingest/workerRequests.ts");
  return new RequestError(message);
}
