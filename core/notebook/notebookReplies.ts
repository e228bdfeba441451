/**
 * JSON replies of the notebook's API routes: never cached, errors as `{ "error": message, … }`. A failed backend
 * call gets the status the worker gave it (RequestError/WorkerRequestError: 400 for a bad request, 503 while
 * the cache is closed or shutting down); any other error is rethrown, so the web layer logs it and answers 500.
 */
import { WorkerRequestError } from "../ingest/ingestClient.ts";
import type { QueryError } from "./notebookTypes.ts";

const HEADERS = { "cache-control": "no-store", "x-content-type-options": "nosniff" };

export function replyJson(value: unknown, status = 200): Response {
  return Response.json(value, { status, headers: HEADERS });
}

export function replyError(status: number, message: string, extra: Record<string, unknown> = {}): Response {
  return Response.json({ error: message, ...extra }, { status, headers: HEADERS });
}

/** 400 with DuckDB's (or the gate's) message, what kind of failure it was and where it points. */
export function replyQueryError(error: QueryError): Response {
  return replyError(400, error.message, { kind: error.kind, position: error.position });
}

/** The reply for an error thrown by a backend call; rethrows what is not a request failure. */
export function replyFailure(error: unknown): Response {
  if (error instanceof WorkerRequestError) return replyError(error.status, error.message);
  if (error instanceof Error && error.name === "RequestError") {
    return replyError((error as Error & { status?: number }).status ?? 400, error.message);
  }
  throw error;
}
