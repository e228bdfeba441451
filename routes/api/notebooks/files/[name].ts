/**
 * One notebook file under data/notebooks (core/notebook/openNotebookFiles.ts; names are file stems, so no path
 * leaves the folder).
 * - `GET` → `{"name", "version", "notebook": {"cells", "trailer"}, "text"}`, 404 if missing.
 * - `POST` (or `PUT`) `{"notebook", "version"}` saves → `{"version"}`; 409 when the file changed since `version`
 *   (send `"version": null` to create, omit it to overwrite). The web layer's Origin check applies.
 * - `DELETE` → 204.
 */
import type { AppState } from "../../../../core/appState.ts";
import { parseSaveBody } from "../../../../core/notebook/parseNotebookBodies.ts";
import { replyError, replyJson } from "../../../../core/notebook/notebookReplies.ts";
import { type Context, readJsonBody } from "../../../../core/web/mod.ts";

async function save(ctx: Context<AppState>): Promise<Response> {
  const body = await readJsonBody(ctx.req, { limitBytes: 1024 * 1024 });
  if (body.kind === "rejected") return body.response;
  const parsed = parseSaveBody(body.value);
  if (parsed.kind === "rejected") return replyError(400, parsed.message);
  const written = await ctx.state.notebook.files.write(ctx.params.name, parsed.value.doc, {
    expectedVersion: parsed.value.expectedVersion,
  });
  switch (written.kind) {
    case "ok":
      return replyJson({ version: written.version }, written.created ? 201 : 200);
    case "conflict":
      return replyError(409, written.message, { version: written.version });
    case "rejected":
      return replyError(400, written.message);
  }
}

export const handler = {
  async GET(ctx: Context<AppState>): Promise<Response> {
    const read = await ctx.state.notebook.files.read(ctx.params.name);
    switch (read.kind) {
      case "ok":
        return replyJson({ name: read.name, version: read.version, notebook: read.doc, text: read.text });
      case "missing":
        return replyError(404, read.message);
      case "rejected":
        return replyError(400, read.message);
    }
  },
  POST: save,
  PUT: save,
  async DELETE(ctx: Context<AppState>): Promise<Response> {
    const removed = await ctx.state.notebook.files.remove(ctx.params.name);
    switch (removed.kind) {
      case "ok":
        return new Response(null, { status: 204 });
      case "missing":
        return replyError(404, removed.message);
      case "rejected":
        return replyError(400, removed.message);
    }
  },
};
