/**
 * The query engine as the main thread sees it: every call async and every value plain. In the app the engine
 * lives in the ingest worker (it owns the DuckDB instance) and `workerBackend()` forwards each call as a
 * request; scripts and tests that open a cache themselves wrap the engine directly with `engineBackend()`.
 */
import type { ExportOutcome, ExportRequest, QueryEngine, QueryRequest, RunCellRequest } from "./openQueryEngine.ts";
import type { CatalogTable, CellAnalysis, CellSource, RunOutcome } from "./notebookTypes.ts";
import type { NotebookEngineConfig } from "./notebookRequests.ts";

export interface NotebookBackend {
  analyze(cells: readonly CellSource[]): Promise<CellAnalysis[]>;
  runCell(request: RunCellRequest): Promise<RunOutcome>;
  query(request: QueryRequest): Promise<RunOutcome>;
  cancel(key: string): Promise<boolean>;
  progress(key: string): Promise<number | null>;
  catalog(): Promise<CatalogTable[]>;
  exportCell(request: ExportRequest): Promise<ExportOutcome>;
  /** Absolute path of the export folder. */
  readonly exportDir: string;
  close(): Promise<void>;
}

export function engineBackend(engine: QueryEngine): NotebookBackend {
  return {
    analyze: (cells) => engine.analyze(cells),
    runCell: (request) => engine.runCell(request),
    query: (request) => engine.query(request),
    cancel: (key) => Promise.resolve(engine.cancel(key)),
    progress: (key) => Promise.resolve(engine.progress(key)),
    catalog: () => engine.catalog(),
    exportCell: (request) => engine.exportCell(request),
    exportDir: engine.exportDir,
    close: () => Promise.resolve(engine.close()),
  };
}

/** `request` is `IngestClient.request`; opens the engine in the worker (see notebookRequests.ts). */
export async function workerBackend(
  request: <T>(method: string, params?: unknown) => Promise<T>,
  config: NotebookEngineConfig,
): Promise<NotebookBackend> {
  await request("notebook.open", config);
  return {
    analyze: (cells) => request("notebook.analyze", { cells }),
    runCell: (runRequest) => request("notebook.run", runRequest),
    query: (queryRequest) => request("notebook.query", queryRequest),
    cancel: (key) => request("notebook.cancel", { key }),
    progress: (key) => request("notebook.progress", { key }),
    catalog: () => request("notebook.catalog"),
    exportCell: (exportRequest) => request("notebook.export", exportRequest),
    exportDir: config.exportDir,
    close: async () => {
      await request("notebook.close");
    },
  };
}
