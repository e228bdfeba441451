/**
 * `POST /api/notebooks/analyze` `{"cells": [{"name", "sql"}]}` → `{"cells": [CellAnalysis…]}`: what DuckDB's
 * parser says each cell reads (refs, with their positions for renames), defines and needs; nothing runs.
 */
import type { AppState } from "../../../core/appState.ts";
import { parseCells } from "../../../core/notebook/parseNotebookBodies.ts";
import { replyError, replyFailure, replyJson } from "../../../core/notebook/notebookReplies.ts";
import { type Context, readJsonBody } from "../../../core/web/mod.ts";

export const handler = {
  async POST(ctx: Context<AppState>): Promise<Response> {
    const body = await readJsonBody<{ cells?: unknown }>(ctx.req, { limitBytes: 1024 * 1024 });
    if (body.kind === "rejected") return body.response;
    const cells = parseCells(body.value?.cells);
    if (cells.kind === "rejected") return replyError(400, cells.message);
    try {
      return replyJson({ cells: await ctx.state.notebook.backend.analyze(cells.value) });
    } catch (error) {
      return replyFailure(error);
    }
  },
};
