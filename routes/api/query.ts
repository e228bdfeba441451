/**
 * `POST /api/query` with `{"sql": "...", "params": {...}}` (optional `timeoutMs` ≤ 60 000, `maxRows` ≤ 100 000):
 * one read-only statement on the cache, under the notebook's safety rules (core/notebook/openQueryEngine.ts).
 *
 * 200 `{"columns": [{"name", "type"}], "rows": [[...]], "rowCount", "truncated", "elapsedMs"}`; values as DuckDB's
 * JSON conversion gives them (64-bit integers and DECIMAL as decimal strings, see notebookTypes.ts QueryResult).
 * 400 `{"error": DuckDB's message, "kind", "position"}` for SQL that is refused, fails, times out or lacks a
 * parameter; 400/413 for a body that is not such JSON.
 */
import type { AppState } from "../../core/appState.ts";
import { parseQueryBody } from "../../core/notebook/parseNotebookBodies.ts";
import { replyError, replyFailure, replyJson, replyQueryError } from "../../core/notebook/notebookReplies.ts";
import { type Context, readJsonBody } from "../../core/web/mod.ts";

export const handler = {
  async POST(ctx: Context<AppState>): Promise<Response> {
    const body = await readJsonBody(ctx.req, { limitBytes: 256 * 1024 });
    if (body.kind === "rejected") return body.response;
    const parsed = parseQueryBody(body.value);
    if (parsed.kind === "rejected") return replyError(400, parsed.message);
    try {
      const outcome = await ctx.state.notebook.backend.query(parsed.value);
      if (outcome.kind === "error") return replyQueryError(outcome.error);
      const { columns, rows, rowCount, truncated, elapsedMs } = outcome.result;
      return replyJson({ columns, rows, rowCount, truncated, elapsedMs: Math.round(elapsedMs * 1000) / 1000 });
    } catch (error) {
      return replyFailure(error);
    }
  },
};
