/**
 * The notebook page's calls to the server (routes/api/notebooks/…, /api/export). Browser-only; every call
 * returns a value, never throws: a network failure becomes an error like any other.
 */
import type {
  CatalogTable,
  CellAnalysis,
  CellSource,
  ExportFormat,
  ExportInfo,
  Params,
  QueryError,
  QueryResult,
} from "../../core/notebook/notebookTypes.ts";
import type { NotebookDoc } from "../../core/notebook/notebookFile.ts";

export type ApiResult<T> = { kind: "ok"; value: T } | { kind: "error"; error: QueryError; status: number };

async function call<T>(method: string, url: string, body?: unknown, signal?: AbortSignal): Promise<ApiResult<T>> {
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
  } catch (error) {
    const aborted = error instanceof DOMException && error.name === "AbortError";
    return {
      kind: "error",
      status: 0,
      error: {
        kind: aborted ? "cancelled" : "runtime",
        message: aborted ? "Cancelled" : `Cannot reach the server: ${String(error)}`,
        position: null,
      },
    };
  }
  let json: Record<string, unknown>;
  try {
    json = await response.json();
  } catch {
    json = {};
  }
  if (response.ok) return { kind: "ok", value: json as T };
  return {
    kind: "error",
    status: response.status,
    error: {
      kind: (json.kind as QueryError["kind"]) ?? "runtime",
      message: typeof json.error === "string" ? json.error : `HTTP ${response.status}`,
      position: (json.position as QueryError["position"]) ?? null,
    },
  };
}

export function runCellRequest(
  body: { cells: CellSource[]; target: string; params: Params; key: string; live?: boolean },
  signal?: AbortSignal,
): Promise<ApiResult<QueryResult>> {
  return call("POST", "/api/notebooks/run", body, signal);
}

export async function analyzeRequest(cells: CellSource[]): Promise<ApiResult<CellAnalysis[]>> {
  const result = await call<{ cells: CellAnalysis[] }>("POST", "/api/notebooks/analyze", { cells });
  return result.kind === "ok" ? { kind: "ok", value: result.value.cells } : result;
}

export async function cancelRequest(key: string): Promise<void> {
  await call("POST", "/api/notebooks/cancel", { key });
}

export async function progressRequest(key: string): Promise<number | null> {
  const result = await call<{ percent: number | null }>(
    "GET",
    `/api/notebooks/progress?key=${encodeURIComponent(key)}`,
  );
  return result.kind === "ok" ? result.value.percent : null;
}

export async function catalogRequest(): Promise<ApiResult<CatalogTable[]>> {
  const result = await call<{ tables: CatalogTable[] }>("GET", "/api/notebooks/catalog");
  return result.kind === "ok" ? { kind: "ok", value: result.value.tables } : result;
}

export function exportRequest(
  body: { cells: CellSource[]; target: string; params: Params; format: ExportFormat },
): Promise<ApiResult<ExportInfo & { url: string }>> {
  return call("POST", "/api/export", body);
}

export function saveRequest(
  name: string,
  body: { notebook: NotebookDoc; version: string | null },
): Promise<ApiResult<{ version: string }>> {
  return call("POST", `/api/notebooks/files/${encodeURIComponent(name)}`, body);
}
