/** `POST /api/notebooks/cancel` `{"key"}`: stops the run with that key → `{"cancelled": boolean}`. */
import type { AppState } from "../../../core/appState.ts";
import { replyError, replyFailure, replyJson } from "../../../core/notebook/notebookReplies.ts";
import { type Context, readJsonBody } from "../../../core/web/mod.ts";

export const handler = {
  async POST(ctx: Context<AppState>): Promise<Response> {
    const body = await readJsonBody<{ key?: unknown }>(ctx.req, { limitBytes: 4096 });
    if (body.kind === "rejected") return body.response;
    const key = body.value?.key;
    if (typeof key !== "string") return replyError(400, `Bad request: "key" must be a string`);
    try {
      return replyJson({ cancelled: await ctx.state.notebook.backend.cancel(key) });
    } catch (error) {
      return replyFailure(error);
    }
  },
};
