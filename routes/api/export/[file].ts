/**
 * `GET /api/export/:file`: downloads a file the export wrote. Only names the exporter makes (no path, a .csv
 * or .parquet extension) and only regular files directly in the export folder are served.
 */
import { join } from "node:path";
import type { AppState } from "../../../core/appState.ts";
import { isExportFileName } from "../../../core/notebook/openQueryEngine.ts";
import { replyError } from "../../../core/notebook/notebookReplies.ts";
import type { Context } from "../../../core/web/mod.ts";

export const handler = {
  async GET(ctx: Context<AppState>): Promise<Response> {
    const file = ctx.params.file;
    if (!isExportFileName(file)) {
      return replyError(400, `Not an export file name: ${JSON.stringify(file.slice(0, 80))}`);
    }
    const path = join(ctx.state.notebook.backend.exportDir, file);
    let info: Deno.FileInfo;
    try {
      info = await Deno.lstat(path);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return replyError(404, `There is no export ${JSON.stringify(file)}`);
      throw error;
    }
    if (!info.isFile) return replyError(404, `There is no export ${JSON.stringify(file)}`);
    const handle = await Deno.open(path, { read: true });
    return new Response(handle.readable, {
      headers: {
        "content-type": file.endsWith(".csv") ? "text/csv; charset=utf-8" : "application/vnd.apache.parquet",
        "content-length": String(info.size),
        "content-disposition": `attachment; filename="${file}"`,
        "x-content-type-options": "nosniff",
        "cache-control": "no-store",
      },
    });
  },
};
