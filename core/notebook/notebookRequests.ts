/**
 * Worker-side requests of the notebook: user SQL runs in the worker, which owns the DuckDB instance. The engine
 * is opened by the first `notebook.open` (createNotebookState() sends it once the cache is ready) on its own
 * connections, and closed by `notebook.close`, which must come before the ingest stops (the store closes the
 * instance). Parameters are validated again here: the main thread is trusted, but a bad value should come back
 * as a 400 with a message, not a crash inside DuckDB.
 */
import { RequestError } from "../ingest/requestError.ts";
import type { RequestHandler } from "../ingest/workerRequests.ts";
import { openQueryEngine, type QueryEngine } from "./openQueryEngine.ts";
import { parseCells, parseExportBody, parseQueryBody, parseRunBody } from "./parseNotebookBodies.ts";
import type { RunLimits } from "./notebookTypes.ts";

export interface NotebookEngineConfig {
  /** Absolute real path of the export folder; it must exist. */
  exportDir: string;
  memoryLimit?: string;
  connections?: number;
  limits?: Partial<RunLimits>;
}

// One engine per worker: the worker is one cache, and the engine locks its instance down for good.
let engine: QueryEngine | null = null;
let opening: Promise<QueryEngine> | null = null;

function current(): QueryEngine {
  if (engine === null) throw new RequestError("The notebook engine is not open (notebook.open first)", 503);
  return engine;
}

function valueOf<T>(parsed: { kind: "ok"; value: T } | { kind: "rejected"; message: string }): T {
  if (parsed.kind === "rejected") throw new RequestError(parsed.message);
  return parsed.value;
}

function keyOf(params: unknown): string {
  const key = (params as { key?: unknown } | null)?.key;
  if (typeof key !== "string") throw new RequestError(`Bad request: "key" must be a string`);
  return key;
}

export const NOTEBOOK_REQUESTS: Record<string, RequestHandler> = {
  "notebook.open": async (ctx, params) => {
    const config = params as NotebookEngineConfig;
    if (typeof config?.exportDir !== "string") throw new RequestError(`Bad request: "exportDir" must be a path`);
    if (engine !== null) return null;
    opening ??= openQueryEngine(ctx.ingest.store.instance, config);
    try {
      engine = await opening;
    } finally {
      opening = null;
    }
    return null;
  },
  "notebook.analyze": (_ctx, params) =>
    current().analyze(valueOf(parseCells((params as { cells?: unknown } | null)?.cells))),
  "notebook.run": (_ctx, params) => {
    const body = valueOf(parseRunBody(params));
    return current().runCell({ ...body, limits: { ...(params as { limits?: Partial<RunLimits> }).limits } });
  },
  "notebook.query": (_ctx, params) => {
    const body = valueOf(parseQueryBody(params));
    const key = (params as { key?: unknown }).key;
    return current().query({
      ...body,
      key: typeof key === "string" ? key : undefined,
      limits: { ...body.limits, ...(params as { limits?: Partial<RunLimits> }).limits },
    });
  },
  "notebook.cancel": (_ctx, params) => Promise.resolve(current().cancel(keyOf(params))),
  "notebook.progress": (_ctx, params) => Promise.resolve(current().progress(keyOf(params))),
  "notebook.catalog": () => current().catalog(),
  "notebook.export": (_ctx, params) => current().exportCell(valueOf(parseExportBody(params))),
  "notebook.close": () => {
    engine?.close();
    engine = null;
    return Promise.resolve(null);
  },
};
