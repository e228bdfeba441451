/**
 * `POST /api/notebooks/run` `{"cells": [{"name", "sql"}], "target", "params", "key", "live"}`: runs one cell with
 * the cells it reads spliced in as CTEs. 200 with the result (plus `asOf`, the cache snapshot it reflects) or 400
 * with the error and its position in the cell it points at. A newer run with the same `key` cancels this one;
 * `"live": true` marks a live cell's refresh, which waits for its turn in the live budget (openQueryEngine.ts).
 */
import type { AppState } from "../../../core/appState.ts";
import { parseRunBody } from "../../../core/notebook/parseNotebookBodies.ts";
import { replyError, replyFailure, replyJson, replyQueryError } from "../../../core/notebook/notebookReplies.ts";
import { type Context, readJsonBody } from "../../../core/web/mod.ts";

export const handler = {
  async POST(ctx: Context<AppState>): Promise<Response> {
    const body = await readJsonBody(ctx.req, { limitBytes: 1024 * 1024 });
    if (body.kind === "rejected") return body.response;
    const parsed = parseRunBody(body.value);
    if (parsed.kind === "rejected") return replyError(400, parsed.message);
    try {
      const outcome = await ctx.state.notebook.backend.runCell(parsed.value);
      return outcome.kind === "ok" ? replyJson(outcome.result) : replyQueryError(outcome.error);
    } catch (error) {
      return replyFailure(error);
    }
  },
};
