/**
 * `POST /api/export` `{"cells", "target", "params", "format": "csv" | "parquet"}`: writes the cell's whole result
 * (no row cap) into data/export/ with DuckDB's COPY, on the engine's trusted export path (user SQL never runs
 * COPY itself) → `{"file", "format", "rows", "bytes", "elapsedMs", "url"}`; download it from `url`.
 */
import type { AppState } from "../../../core/appState.ts";
import { parseExportBody } from "../../../core/notebook/parseNotebookBodies.ts";
import { replyError, replyFailure, replyJson, replyQueryError } from "../../../core/notebook/notebookReplies.ts";
import { type Context, readJsonBody } from "../../../core/web/mod.ts";

export const handler = {
  async POST(ctx: Context<AppState>): Promise<Response> {
    const body = await readJsonBody(ctx.req, { limitBytes: 1024 * 1024 });
    if (body.kind === "rejected") return body.response;
    const parsed = parseExportBody(body.value);
    if (parsed.kind === "rejected") return replyError(400, parsed.message);
    try {
      const outcome = await ctx.state.notebook.backend.exportCell(parsed.value);
      if (outcome.kind === "error") return replyQueryError(outcome.error);
      return replyJson({ ...outcome.export, url: `/api/export/${encodeURIComponent(outcome.export.file)}` }, 201);
    } catch (error) {
      return replyFailure(error);
    }
  },
};
