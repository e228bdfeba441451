/** Worker-side requests of the notebook: user SQL runs in the worker, which owns the DuckDB instance. */
import type { RequestHandler } from "../ingest/workerRequests.ts";

export const NOTEBOOK_REQUESTS: Record<string, RequestHandler> = {};
