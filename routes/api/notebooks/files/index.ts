/**
 * `GET /api/notebooks/files` → `{"notebooks": [{"name", "title", "cells", "liveCells", "modifiedMs"}]}`.
 * `POST /api/notebooks/files` `{"name"}` creates an empty notebook → 201 `{"name", "version"}`, 409 if it exists.
 */
import type { AppState } from "../../../../core/appState.ts";
import { emptyCell } from "../../../../core/notebook/notebookFile.ts";
import { replyError, replyJson } from "../../../../core/notebook/notebookReplies.ts";
import { type Context, readJsonBody } from "../../../../core/web/mod.ts";

export const handler = {
  async GET(ctx: Context<AppState>): Promise<Response> {
    return replyJson({ notebooks: await ctx.state.notebook.files.list() });
  },
  async POST(ctx: Context<AppState>): Promise<Response> {
    const body = await readJsonBody<{ name?: unknown }>(ctx.req, { limitBytes: 4096 });
    if (body.kind === "rejected") return body.response;
    const name = body.value?.name;
    if (typeof name !== "string") return replyError(400, `Bad request: "name" must be a string`);
    const doc = {
      cells: [{
        ...emptyCell(
          "symbols",
          "SELECT symbol, interval, count(*) AS bars, max(open_time) AS newest\nFROM candles_latest\nGROUP BY ALL\nORDER BY ALL",
        ),
        prose: `# ${name}\n\n`,
      }],
      trailer: "",
    };
    const written = await ctx.state.notebook.files.write(name, doc, { expectedVersion: null });
    switch (written.kind) {
      case "ok":
        return replyJson({ name, version: written.version }, 201);
      case "conflict":
        return replyError(409, written.message);
      case "rejected":
        return replyError(400, written.message);
    }
  },
};
