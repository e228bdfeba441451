/**
 * `GET /api/notebooks/events`: server-sent events for live cells, one `notebook.commits` event whenever the
 * ingest committed (core/notebook/startCommitNotices.ts).
 */
import type { AppState } from "../../../core/appState.ts";
import type { Context } from "../../../core/web/mod.ts";

export const handler = {
  GET(ctx: Context<AppState>): Response {
    return ctx.state.hub.connect(ctx.req, { keys: [ctx.state.notebook.commitsKey] });
  },
};
