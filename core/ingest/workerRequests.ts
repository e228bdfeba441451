/**
 * Requests the main thread can make of the ingest worker, which owns the DuckDB instance: one entry per method,
 * each taking plain params and returning plain values (they cross `postMessage`). Reads use their own connection,
 * never the writer's, so they do not wait for or sit inside a commit's transaction.
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import type { Ingest } from "./ingest.ts";
import { TERMINAL_REQUESTS } from "../terminal/terminalRequests.ts";
import { NOTEBOOK_REQUESTS } from "../notebook/notebookRequests.ts";

export interface RequestContext {
  ingest: Ingest;
  /** A connection for reads, opened on the cache's instance after start. */
  reader: DuckDBConnection;
}

/** A request the caller got wrong: its message goes back as a 400, not a 500. */
export class RequestError extends Error {
  override name = "RequestError";
  constructor(message: string, readonly status = 400) {
    super(message);
  }
}

export type RequestHandler = (ctx: RequestContext, params: unknown) => Promise<unknown>;

export const REQUEST_HANDLERS: Record<string, RequestHandler> = {
  /** Ingest counters right now (the main thread also gets them pushed every few hundred ms). */
  stats: (ctx) => Promise.resolve(ctx.ingest.stats()),
  /** Commits whatever is pending; resolves after the commit. */
  flush: async (ctx) => {
    await ctx.ingest.flush();
    return null;
  },
  ...TERMINAL_REQUESTS,
  ...NOTEBOOK_REQUESTS,
};
