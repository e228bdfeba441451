/** `GET /api/notebooks/progress?key=K` → `{"percent": number | null}`: DuckDB's estimate for a running query. */
import type { AppState } from "../../../core/appState.ts";
import { replyError, replyFailure, replyJson } from "../../../core/notebook/notebookReplies.ts";
import type { Context } from "../../../core/web/mod.ts";

export const handler = {
  async GET(ctx: Context<AppState>): Promise<Response> {
    const key = ctx.url.searchParams.get("key");
    if (key === null || key.length > 200) return replyError(400, `Bad request: ?key= is required`);
    try {
      return replyJson({ percent: await ctx.state.notebook.backend.progress(key) });
    } catch (error) {
      return replyFailure(error);
    }
  },
};
