/**
 * `GET /notebook`: the notebooks in data/notebooks, with a form to create one. `POST /notebook` (the form,
 * same-origin only by the web layer's Origin check) creates it and redirects to it.
 */
import type { AppState } from "../../core/appState.ts";
import { emptyCell } from "../../core/notebook/notebookFile.ts";
import { replyError } from "../../core/notebook/notebookReplies.ts";
import type { NotebookListing } from "../../core/notebook/openNotebookFiles.ts";
import { type Context, page, type PageProps } from "../../core/web/mod.ts";

/** The form holds one short name. */
const FORM_LIMIT_BYTES = 4096;

interface Data {
  notebooks: NotebookListing[];
  problem: string | null;
}

export const handler = {
  async GET(ctx: Context<AppState>) {
    return page<Data>({ notebooks: await ctx.state.notebook.files.list(), problem: null });
  },
  async POST(ctx: Context<AppState>) {
    const form = await readSmallForm(ctx.req, FORM_LIMIT_BYTES);
    if (form === null) {
      return replyError(413, `Cannot read the form: more than ${FORM_LIMIT_BYTES} bytes (it holds one name)`);
    }
    const name = (form.get("name") ?? "").trim();
    const files = ctx.state.notebook.files;
    const written = await files.write(name, {
      cells: [{
        ...emptyCell(
          "symbols",
          "SELECT symbol, interval, count(*) AS bars, max(open_time) AS newest\nFROM candles_latest\nGROUP BY ALL\nORDER BY ALL",
        ),
        prose: `# ${name}\n\n`,
      }],
      trailer: "",
    }, { expectedVersion: null });
    if (written.kind === "ok") {
      return new Response(null, { status: 303, headers: { location: `/notebook/${encodeURIComponent(name)}` } });
    }
    return page<Data>({ notebooks: await files.list(), problem: written.message }, {
      status: written.kind === "conflict" ? 409 : 400,
    });
  },
};

/** An urlencoded form body of at most `limit` bytes (declared or streamed), or null past it. */
async function readSmallForm(req: Request, limit: number): Promise<URLSearchParams | null> {
  if (Number(req.headers.get("content-length") ?? "0") > limit) {
    await req.body?.cancel();
    return null;
  }
  if (req.body === null) return new URLSearchParams();
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  while (true) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new URLSearchParams(new TextDecoder().decode(bytes));
}

export default function NotebookList({ data }: PageProps<Data>) {
  return (
    <div class="nb-page">
      <link rel="stylesheet" href="/notebook.css" />
      <nav class="nb-nav">
        <a href="/">Terminal</a>
        <span aria-hidden="true">/</span>
        <span class="nb-nav-current">Notebooks</span>
      </nav>
      <h1>Notebooks</h1>
      <p class="nb-intro">
        SQL over the live DuckDB cache. Cells read each other by name, re-run when what they read changes, and can
        follow the terminal's selection ($symbol, $interval, $from, $to).
      </p>
      <ul class="nb-list">
        {data.notebooks.map((notebook) => (
          <li key={notebook.name}>
            <a href={`/notebook/${encodeURIComponent(notebook.name)}`}>{notebook.title}</a>
            <span class="nb-list-meta">
              {notebook.name}.md · {notebook.cells} cell{notebook.cells === 1 ? "" : "s"}
              {notebook.liveCells > 0 ? ` · ${notebook.liveCells} live` : ""}
            </span>
          </li>
        ))}
      </ul>
      <form method="post" action="/notebook" class="nb-create">
        <label>
          New notebook
          <input name="name" required pattern="[A-Za-z0-9][A-Za-z0-9_\-]{0,63}" placeholder="my_analysis" />
        </label>
        <button type="submit">Create</button>
      </form>
      {data.problem !== null ? <p class="nb-problem" role="alert">{data.problem}</p> : null}
    </div>
  );
}
