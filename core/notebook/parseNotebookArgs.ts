/** Command line of `deno task notebook` (scripts/notebook.ts). Pure: arguments in, a command or an error out. */
import { flagValue, numberFlag, parseFlags, UsageError } from "../flags.ts";
import type { Params } from "./notebookTypes.ts";

export const NOTEBOOK_USAGE = `Usage:
  deno task notebook run FILE [options]   run every cell of a notebook and print each result as a table
  deno task notebook list                  list the notebooks in data/notebooks

FILE is a Markdown notebook (a path, or a name in data/notebooks: "returns" = data/notebooks/returns.md).

Options of run:
  --db PATH              DuckDB cache to read (default data/cache.duckdb), opened read-only
  --url URL              run through a running fluxbook instead (e.g. http://127.0.0.1:8000), for when
                         the app holds the cache open
  --param NAME=VALUE     a $parameter (repeatable); default symbol = the first cached symbol, interval = 1m,
                         from and to unset
  --rows N               rows printed per cell (default 20)
  --max-rows N           rows fetched per cell (default 10000)
  --timeout-ms N         per-cell time limit (default 10000)

Exit codes: 0 every cell ran, 1 a cell failed, 2 bad arguments or an unreadable notebook or cache.`;

export type NotebookCommand =
  | { kind: "help" }
  | { kind: "list" }
  | {
    kind: "run";
    file: string;
    db: string;
    url: string | null;
    params: Params;
    rows: number;
    maxRows: number;
    timeoutMs: number;
  }
  | { kind: "usage_error"; message: string };

export function parseNotebookArgs(args: readonly string[]): NotebookCommand {
  try {
    const flags = parseFlags(args, {
      string: ["db", "url", "param", "rows", "max-rows", "timeout-ms"],
      boolean: ["help"],
    });
    if (flags.booleans.get("help") || args.length === 0) return { kind: "help" };
    const [command, ...rest] = flags.positional;
    switch (command) {
      case "list":
        if (rest.length > 0) return { kind: "usage_error", message: `list takes no arguments, got ${rest.join(" ")}` };
        return { kind: "list" };
      case "run": {
        if (rest.length !== 1) return { kind: "usage_error", message: "run takes one notebook FILE" };
        const params: Record<string, string> = {};
        for (const pair of flags.values.get("param") ?? []) {
          const eq = pair.indexOf("=");
          const name = eq < 0 ? "" : pair.slice(0, eq);
          if (!/^[A-Za-z0-9_]{1,64}$/.test(name)) {
            return { kind: "usage_error", message: `--param must be NAME=VALUE, got ${JSON.stringify(pair)}` };
          }
          params[name] = pair.slice(eq + 1);
        }
        const url = flagValue(flags, "url") ?? null;
        if (url !== null && !/^https?:\/\/[^/]+/.test(url)) {
          return { kind: "usage_error", message: `--url must be an http(s) URL, got ${JSON.stringify(url)}` };
        }
        return {
          kind: "run",
          file: rest[0],
          db: flagValue(flags, "db") ?? "data/cache.duckdb",
          url,
          params,
          rows: numberFlag(flagValue(flags, "rows"), "--rows", { fallback: 20, min: 0, integer: true }),
          maxRows: numberFlag(flagValue(flags, "max-rows"), "--max-rows", { fallback: 10_000, min: 1, integer: true }),
          timeoutMs: numberFlag(flagValue(flags, "timeout-ms"), "--timeout-ms", {
            fallback: 10_000,
            min: 1,
            integer: true,
          }),
        };
      }
      default:
        return {
          kind: "usage_error",
          message: command === undefined ? "no command" : `unknown command ${JSON.stringify(command)}`,
        };
    }
  } catch (error) {
    if (error instanceof UsageError) return { kind: "usage_error", message: error.message };
    throw error;
  }
}
