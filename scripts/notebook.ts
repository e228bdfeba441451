/**
 * `deno task notebook run FILE`: runs a notebook headless and prints each cell's result as a table;
 * `deno task notebook list`: the notebooks in data/notebooks. See NOTEBOOK_USAGE (core/notebook/parseNotebookArgs.ts).
 *
 * The cache is opened read-only with the same engine and safety rules as the app. DuckDB lets one process hold
 * a cache file, so while fluxbook runs, pass --url to run the notebook through it instead.
 */
import { join } from "node:path";
import { openStore, type Store } from "../core/ingest/store.ts";
import { formatResultTable } from "../core/notebook/formatResultTable.ts";
import { engineBackend, type NotebookBackend } from "../core/notebook/notebookBackend.ts";
import { type NotebookDoc, parseNotebook } from "../core/notebook/notebookFile.ts";
import type { CellAnalysis, Params, QueryError, RunOutcome } from "../core/notebook/notebookTypes.ts";
import { notebookNameError, openNotebookFiles } from "../core/notebook/openNotebookFiles.ts";
import { openQueryEngine } from "../core/notebook/openQueryEngine.ts";
import { NOTEBOOK_USAGE, parseNotebookArgs } from "../core/notebook/parseNotebookArgs.ts";
import { type CellOutcome, runNotebookCells } from "../core/notebook/runNotebookCells.ts";

const ROOT = new URL("../", import.meta.url);
const NOTEBOOKS_DIR = new URL("data/notebooks/", ROOT).pathname;

/** Runs the command in `args`; returns the exit code. Prints to stdout (results) and stderr (problems). */
export async function runNotebookCommand(args: readonly string[]): Promise<number> {
  const command = parseNotebookArgs(args);
  switch (command.kind) {
    case "help":
      console.log(NOTEBOOK_USAGE);
      return 0;
    case "usage_error":
      console.error(`notebook: ${command.message}\n\n${NOTEBOOK_USAGE}`);
      return 2;
    case "list": {
      for (const listing of await openNotebookFiles(NOTEBOOKS_DIR).list()) {
        console.log(`${listing.name.padEnd(24)} ${String(listing.cells).padStart(3)} cells  ${listing.title}`);
      }
      return 0;
    }
    case "run":
      return await run(command);
  }
}

async function run(command: Extract<ReturnType<typeof parseNotebookArgs>, { kind: "run" }>): Promise<number> {
  let doc: NotebookDoc;
  const path = await notebookPath(command.file);
  try {
    doc = parseNotebook(await Deno.readTextFile(path));
  } catch (error) {
    console.error(`notebook: cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`);
    return 2;
  }
  if (doc.cells.length === 0) {
    console.error(`notebook: ${path} has no cells (\`\`\`sql name=… fences)`);
    return 2;
  }

  let backend: Pick<NotebookBackend, "analyze" | "runCell" | "query">;
  let close = async (): Promise<void> => {};
  if (command.url !== null) {
    backend = httpBackend(command.url);
  } else {
    let store: Store;
    try {
      store = await openStore(command.db, { readOnly: true });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      console.error(`notebook: ${message}`);
      if (/in use by another/.test(message)) {
        console.error("notebook: while fluxbook runs, add --url http://127.0.0.1:8000");
      }
      return 2;
    }
    const exportDir = join(new URL("data/", ROOT).pathname, "export");
    await Deno.mkdir(exportDir, { recursive: true });
    const engine = await openQueryEngine(store.instance, { exportDir: await Deno.realPath(exportDir) });
    backend = engineBackend(engine);
    close = async () => {
      engine.close();
      await store.close();
    };
  }
  try {
    const params = await defaultParams(backend, command.params);
    console.log(`${path}: ${doc.cells.length} cells, params ${describeParams(params)}\n`);
    let failures = 0;
    await runNotebookCells(doc, backend, {
      params,
      limits: { maxRows: command.maxRows, timeoutMs: command.timeoutMs },
      onOutcome: (cell) => {
        if (cell.outcome.kind === "error") failures++;
        console.log(describeOutcome(cell, command.rows, doc));
      },
    });
    return failures > 0 ? 1 : 0;
  } finally {
    await close();
  }
}

function describeOutcome(cell: CellOutcome, rows: number, doc: NotebookDoc): string {
  const { outcome } = cell;
  if (outcome.kind === "error") {
    return `── ${cell.name}: ${outcome.error.kind} error ──\n${describeError(outcome.error, doc)}\n`;
  }
  const { result } = outcome;
  const head = `── ${cell.name}: ${result.rowCount} row${result.rowCount === 1 ? "" : "s"}${
    result.truncated ? " (truncated)" : ""
  }, ${result.elapsedMs.toFixed(1)} ms${result.asOf?.seq ? `, as of seq ${result.asOf.seq}` : ""} ──`;
  return `${head}\n${formatResultTable(result, { maxRows: rows })}\n`;
}

function describeError(error: QueryError, doc: NotebookDoc): string {
  const position = error.position;
  if (position === null) return error.message;
  const sql = doc.cells.find((cell) => cell.name === position.cell)?.sql;
  const line = sql?.split("\n")[position.line - 1];
  const where = `${position.cell ? `cell ${position.cell}, ` : ""}line ${position.line}, column ${position.column}`;
  return `${error.message}\n  at ${where}${
    line === undefined ? "" : `\n  ${line}\n  ${" ".repeat(position.column - 1)}^`
  }`;
}

/** The cache's first symbol and 1m, unless given. */
async function defaultParams(backend: Pick<NotebookBackend, "query">, given: Params): Promise<Params> {
  const params: Record<string, Params[string]> = { symbol: null, interval: "1m", from: null, to: null, ...given };
  if (params.symbol === null) {
    const first = await backend.query({ sql: "SELECT min(symbol) FROM candles_latest" });
    if (first.kind === "ok") params.symbol = (first.result.rows[0]?.[0] as string | null) ?? null;
  }
  return params;
}

function describeParams(params: Params): string {
  return Object.entries(params).map(([key, value]) => `$${key}=${value === null ? "NULL" : value}`).join(" ");
}

async function notebookPath(file: string): Promise<string> {
  try {
    await Deno.stat(file);
    return file;
  } catch {
    return notebookNameError(file) === null ? join(NOTEBOOKS_DIR, `${file}.md`) : file;
  }
}

/** The same calls over a running app's HTTP API. */
function httpBackend(base: string): Pick<NotebookBackend, "analyze" | "runCell" | "query"> {
  const post = async <T>(
    path: string,
    body: unknown,
  ): Promise<
    {
      ok: boolean;
      status: number;
      json: T & { error?: string; kind?: QueryError["kind"]; position?: QueryError["position"] };
    }
  > => {
    const response = await fetch(new URL(path, base), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    return { ok: response.ok, status: response.status, json: await response.json() };
  };
  const outcomeOf = (reply: Awaited<ReturnType<typeof post>>): RunOutcome =>
    reply.ok ? { kind: "ok", result: reply.json as never } : {
      kind: "error",
      error: {
        kind: reply.json.kind ?? "runtime",
        message: reply.json.error ?? `HTTP ${reply.status}`,
        position: reply.json.position ?? null,
      },
    };
  return {
    analyze: async (cells) => {
      const reply = await post<{ cells: CellAnalysis[] }>("/api/notebooks/analyze", { cells });
      if (!reply.ok) throw new Error(`Cannot analyze the notebook: ${reply.json.error ?? reply.status}`);
      return reply.json.cells;
    },
    runCell: async (request) =>
      outcomeOf(await post("/api/notebooks/run", { ...request, ...request.limits, limits: undefined })),
    query: async (request) => outcomeOf(await post("/api/query", { ...request, ...request.limits, limits: undefined })),
  };
}

if (import.meta.main) {
  Deno.exit(await runNotebookCommand(Deno.args));
}
