/**
 * Runs every cell of a notebook once, upstream cells first (the headless `deno task notebook run` and the
 * benchmark): each cell is one statement with its upstream cells spliced in, so a failing cell does not stop
 * the others. Outcomes come back in notebook order.
 */
import { buildCellGraph } from "./cellGraph.ts";
import type { NotebookBackend } from "./notebookBackend.ts";
import type { NotebookDoc } from "./notebookFile.ts";
import type { Params, RunLimits, RunOutcome } from "./notebookTypes.ts";

export interface CellOutcome {
  name: string;
  outcome: RunOutcome;
  /** Wall time of the request, ms (the result's elapsedMs is DuckDB's part). */
  wallMs: number;
}

export async function runNotebookCells(
  doc: NotebookDoc,
  backend: Pick<NotebookBackend, "analyze" | "runCell">,
  options: { params: Params; limits?: Partial<RunLimits>; onOutcome?(outcome: CellOutcome): void },
): Promise<CellOutcome[]> {
  const cells = doc.cells.map((cell) => ({ name: cell.name, sql: cell.sql }));
  const graph = buildCellGraph(await backend.analyze(cells));
  const byName = new Map<string, CellOutcome>();
  const order = [...graph.order, ...cells.map((cell) => cell.name).filter((name) => !graph.order.includes(name))];
  for (const name of order) {
    const startedMs = performance.now();
    const outcome = await backend.runCell({ cells, target: name, params: options.params, limits: options.limits });
    const result: CellOutcome = { name, outcome, wallMs: performance.now() - startedMs };
    byName.set(name, result);
    options.onOutcome?.(result);
  }
  return cells.map((cell) => byName.get(cell.name)!);
}
