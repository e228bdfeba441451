/**
 * Requests the main thread can make of the ingest worker, which owns the DuckDB instance: one entry per method,
 * each taking plain params and returning plain values (they cross `postMessage`). Reads use their own connection,
 * never the writer's, so they do not wait for or sit inside a commit's transaction.
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import type { Ingest } from "./ingest.ts";
import { RequestError } from "./requestError.ts";
import type { FromWorker } from "./protocol.ts";
import { type Playback, startPlayback } from "./playback.ts";
import { TERMINAL_REQUESTS } from "../terminal/terminalRequests.ts";
import { NOTEBOOK_REQUESTS } from "../notebook/notebookRequests.ts";

export interface RequestContext {
  ingest: Ingest;
  /** A connection for reads, opened on the cache's instance after start. */
  reader: DuckDBConnection;
  /** Posts a message to the main thread. */
  post(message: FromWorker): void;
  /** Playbacks running, by id. */
  playbacks: Map<string, Playback>;
}

export { RequestError };

const NO_PROGRESS = { id: "", label: "", done: 0, total: null, unit: "" };

export type RequestHandler = (ctx: RequestContext, params: unknown) => Promise<unknown>;

export const REQUEST_HANDLERS: Record<string, RequestHandler> = {
  /** Ingest counters right now (the main thread also gets them pushed every few hundred ms). */
  stats: (ctx) => Promise.resolve(ctx.ingest.stats()),
  /** Commits whatever is pending; resolves after the commit. */
  flush: async (ctx) => {
    await ctx.ingest.flush();
    return null;
  },
  /** Offline playback of a cached range; `{ symbol, interval, from, to, speed }` → `{ id, bars }`. */
  "playback.start": async (ctx, params) => {
    const p = (params ?? {}) as Record<string, unknown>;
    const request = {
      symbol: String(p.symbol ?? ""),
      interval: String(p.interval ?? ""),
      fromMs: Number(p.from ?? 0),
      toMs: Number(p.to ?? Date.now()),
      speed: Number(p.speed ?? 60),
    };
    if (request.symbol === "") throw new RequestError("playback needs a symbol");
    let playback: Playback;
    try {
      playback = await startPlayback(ctx.reader, request, {
        // Progress travels in its own messages; an empty id tells the client this one carries bars only.
        onCandles: (updates) => ctx.post({ type: "replay", updates, progress: NO_PROGRESS }),
        onProgress: (progress) => ctx.post({ type: "replay", updates: [], progress }),
      });
    } catch (error) {
      if (error instanceof RangeError) throw new RequestError(error.message);
      throw error;
    }
    ctx.playbacks.set(playback.id, playback);
    void playback.done.then(() => ctx.playbacks.delete(playback.id));
    return { id: playback.id, bars: playback.bars };
  },
  "playback.stop": (ctx, params) => {
    const id = String((params as { id?: unknown } | null)?.id ?? "");
    const playback = ctx.playbacks.get(id);
    if (!playback) return Promise.reject(new RequestError(`No playback ${JSON.stringify(id)} is running`, 404));
    playback.stop();
    return Promise.resolve(null);
  },
  ...TERMINAL_REQUESTS,
  ...NOTEBOOK_REQUESTS,
};
