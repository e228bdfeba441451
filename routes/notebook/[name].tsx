/**
 * `GET /notebook/:name`: a notebook from data/notebooks, as query cells on a page (islands/Notebook.tsx).
 * Parameters come from the query string (?symbol=&interval=&from=&to=), else the first cached stream.
 */
import type { AppState } from "../../core/appState.ts";
import type { NotebookDoc } from "../../core/notebook/notebookFile.ts";
import type { CatalogTable, Params } from "../../core/notebook/notebookTypes.ts";
import { type Context, page, type PageProps } from "../../core/web/mod.ts";
import Notebook from "../../islands/Notebook.tsx";

type Data =
  | {
    kind: "ok";
    name: string;
    doc: NotebookDoc;
    version: string;
    params: Params;
    paramsFromUrl: boolean;
    catalog: CatalogTable[];
    streams: string[];
  }
  | { kind: "missing"; name: string; message: string };

export const handler = {
  async GET(ctx: Context<AppState>) {
    const { notebook } = ctx.state;
    const read = await notebook.files.read(ctx.params.name);
    if (read.kind !== "ok") {
      return page<Data>({ kind: "missing", name: ctx.params.name, message: read.message }, {
        status: read.kind === "missing" ? 404 : 400,
      });
    }
    // The catalog only feeds completion: a page without it still works.
    const catalog = await notebook.backend.catalog().catch(() => []);
    const streams = [...notebook.streams()];
    const query = ctx.url.searchParams;
    const first = streams[0]?.split("|") ?? [];
    const param = (key: string): string | null => {
      const value = query.get(key);
      return value === null || value.trim() === "" ? null : value.trim().slice(0, 64);
    };
    const params: Params = {
      symbol: param("symbol") ?? first[0] ?? null,
      interval: param("interval") ?? (first[1] ?? "1m"),
      from: param("from"),
      to: param("to"),
    };
    const paramsFromUrl = ["symbol", "interval", "from", "to"].some((key) => query.has(key));
    return page<Data>({
      kind: "ok",
      name: read.name,
      doc: read.doc,
      version: read.version,
      params,
      paramsFromUrl,
      catalog,
      streams,
    });
  },
};

export default function NotebookPage({ data }: PageProps<Data>) {
  return (
    <div class="nb-page">
      <link rel="stylesheet" href="/notebook.css" />
      <nav class="nb-nav">
        <a href="/">Terminal</a>
        <span aria-hidden="true">/</span>
        <a href="/notebook">Notebooks</a>
        <span aria-hidden="true">/</span>
        <span class="nb-nav-current">{data.name}</span>
      </nav>
      {data.kind === "ok"
        ? (
          <Notebook
            name={data.name}
            doc={data.doc}
            version={data.version}
            params={data.params}
            paramsFromUrl={data.paramsFromUrl}
            catalog={data.catalog}
            streams={data.streams}
          />
        )
        : (
          <p class="nb-missing">
            {data.message}. <a href="/notebook">All notebooks</a>
          </p>
        )}
    </div>
  );
}
