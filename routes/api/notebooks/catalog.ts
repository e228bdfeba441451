/** `GET /api/notebooks/catalog` → `{"tables": [{"name", "kind", "columns": [{"name", "type"}]}]}`. */
import type { AppState } from "../../../core/appState.ts";
import { replyFailure, replyJson } from "../../../core/notebook/notebookReplies.ts";
import type { Context } from "../../../core/web/mod.ts";

export const handler = {
  async GET(ctx: Context<AppState>): Promise<Response> {
    try {
      return replyJson({ tables: await ctx.state.notebook.backend.catalog() });
    } catch (error) {
      return replyFailure(error);
    }
  },
};
