/**
 * The notebook's part of `ctx.state`, built once by main.ts after the ingest worker is ready:
 *
 *   const notebook = await createNotebookState(base);   // opens the engine in the worker, locks DuckDB down
 *   …
 *   await notebook.stopNotebook();                       // before ingest.stop(): closes the engine's connections
 *
 * Routes reach everything through `ctx.state.notebook` (a NotebookService); the SSE route also uses `ctx.state.hub`.
 */
import { join } from "node:path";
import type { BaseState } from "../appState.ts";
import { engineBackend, type NotebookBackend, workerBackend } from "./notebookBackend.ts";
import type { RunLimits } from "./notebookTypes.ts";
import { type NotebookFiles, openNotebookFiles } from "./openNotebookFiles.ts";
import type { QueryEngine } from "./openQueryEngine.ts";
import { COMMITS_KEY, startCommitNotices } from "./startCommitNotices.ts";

export interface NotebookService {
  readonly backend: NotebookBackend;
  readonly files: NotebookFiles;
  /** The SSE key live cells listen on. */
  readonly commitsKey: string;
  /** Cached streams as `${symbol}|${interval}`, sorted (for the parameter pickers). */
  streams(): readonly string[];
}

export interface NotebookState {
  notebook: NotebookService;
}

export interface NotebookStateOptions {
  /** Default `${dataDir}/notebooks`. */
  notebooksDir?: string;
  /** Default `${dataDir}/export` (created if missing). */
  exportDir?: string;
  /** Instance-wide DuckDB memory limit. Default "2GB". */
  memoryLimit?: string;
  /** Query connections. Default 2. */
  connections?: number;
  limits?: Partial<RunLimits>;
}

/** Opens the engine in the ingest worker (after `base.ingest.ready`) and starts the commit notices. */
export async function createNotebookState(
  base: BaseState,
  options: NotebookStateOptions = {},
): Promise<NotebookState & { stopNotebook(): Promise<void> }> {
  await base.ingest.ready;
  const exportDir = await ensureDir(options.exportDir ?? join(base.dataDir, "export"));
  const backend = await workerBackend(base.ingest.request, {
    exportDir,
    memoryLimit: options.memoryLimit,
    connections: options.connections,
    limits: options.limits,
  });
  const stopNotices = startCommitNotices(base.ingest, (notice) => base.hub.publish(COMMITS_KEY, notice));
  const notebook = createNotebookService(backend, {
    notebooksDir: options.notebooksDir ?? join(base.dataDir, "notebooks"),
    streams: () => base.ingest.window.keys.peek(),
  });
  let stopped: Promise<void> | null = null;
  return {
    notebook,
    stopNotebook: () => {
      stopped ??= (async () => {
        stopNotices();
        await backend.close().catch((error) =>
          base.logger.warn("notebook engine did not close", { error: String(error) })
        );
      })();
      return stopped;
    },
  };
}

/** The service over any backend: the worker's in the app, an engine of their own in scripts and tests. */
export function createNotebookService(
  backend: NotebookBackend,
  options: { notebooksDir: string; streams?: () => readonly string[] },
): NotebookService {
  return {
    backend,
    files: openNotebookFiles(options.notebooksDir),
    commitsKey: COMMITS_KEY,
    streams: options.streams ?? (() => []),
  };
}

/** For scripts and tests: a service over an engine opened in this thread. */
export function notebookServiceOf(
  engine: QueryEngine,
  options: { notebooksDir: string; streams?: () => readonly string[] },
): NotebookService {
  return createNotebookService(engineBackend(engine), options);
}

/** Creates `dir` if needed; its real path (DuckDB's allowed_directories compares real paths). */
export async function ensureDir(dir: string): Promise<string> {
  await Deno.mkdir(dir, { recursive: true });
  return await Deno.realPath(dir);
}
