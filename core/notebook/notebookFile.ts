/**
 * Notebooks on disk: Markdown, where each ```sql fence with a `name=` attribute is a cell and the text between
 * cells is prose that travels with the cell after it.
 *
 *   # Resampled bars
 *
 *   Hourly bars from the 1-minute cache.
 *
 *   ```sql name=prices_1h live
 *   SELECT …
 *   ```
 *
 * Attributes (space-separated, after `sql`): `name=ID` (required; a fence without one gets `cell_N`),
 * `live` or `live=MS` (re-run on commits, at most every MS ms), `chart=line|bar|candlestick|dot|auto`,
 * `x=COL`, `y=COL`, `color=COL` (values with spaces are JSON-quoted). Other fences (```ts, ~~~) are prose.
 *
 * Pure: formatNotebook(parseNotebook(text)) === text for text in the canonical form formatNotebook writes,
 * and parseNotebook(formatNotebook(doc)) deep-equals doc for any doc with valid names.
 */

export type ChartKind = "auto" | "line" | "bar" | "candlestick" | "dot";

export const CHART_KINDS: readonly ChartKind[] = ["auto", "line", "bar", "candlestick", "dot"];

export interface CellChart {
  kind: ChartKind;
  x: string | null;
  y: string | null;
  color: string | null;
}

export interface NotebookCell {
  name: string;
  sql: string;
  live: boolean;
  /** Least time between live re-runs, ms; null for the default. */
  liveMs: number | null;
  /** Shown as a chart (with these columns) when opened; null for the table only. */
  chart: CellChart | null;
  /** Markdown above the cell, from the end of the previous cell (or the top of the file). */
  prose: string;
}

export interface NotebookDoc {
  cells: NotebookCell[];
  /** Markdown after the last cell. */
  trailer: string;
}

const FENCE_OPEN = /^(`{3,}|~{3,})[ \t]*([^`]*)$/;

export function parseNotebook(text: string): NotebookDoc {
  const lines = text.split("\n");
  const cells: NotebookCell[] = [];
  let prose: string[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    const open = FENCE_OPEN.exec(line);
    if (open === null) {
      prose.push(line);
      i++;
      continue;
    }
    const fence = open[1];
    const info = open[2].trim();
    const body: string[] = [];
    let j = i + 1;
    let closed = false;
    for (; j < lines.length; j++) {
      if (isClosingFence(lines[j], fence)) {
        closed = true;
        break;
      }
      body.push(lines[j]);
    }
    const words = splitInfo(info);
    if (words[0]?.toLowerCase() !== "sql") {
      // Some other fenced block: prose, kept verbatim (and its contents are never read as cells).
      prose.push(...lines.slice(i, closed ? j + 1 : j));
      i = closed ? j + 1 : j;
      continue;
    }
    // The prose lines are everything before the fence line, so the newline that ended the last of them is theirs.
    cells.push(cellFromFence(words.slice(1), body.join("\n"), prose.length === 0 ? "" : prose.join("\n") + "\n"));
    prose = [];
    i = closed ? j + 1 : j;
  }
  // After the last fence: the rest of the text, whose final newline (if any) split() turned into a last "".
  return { cells: fixNames(cells), trailer: prose.join("\n") };
}

export function formatNotebook(doc: NotebookDoc): string {
  let text = "";
  for (const cell of doc.cells) {
    const fence = fenceFor(cell.sql);
    text += cell.prose + `${fence}${infoOf(cell)}\n${cell.sql}\n${fence}\n`;
  }
  return text + doc.trailer;
}

/** A new, empty cell named `name`. */
export function emptyCell(name: string, sql = ""): NotebookCell {
  return { name, sql, live: false, liveMs: null, chart: null, prose: "\n" };
}

function cellFromFence(attributes: readonly string[], sql: string, prose: string): NotebookCell {
  const cell: NotebookCell = { name: "", sql, live: false, liveMs: null, chart: null, prose };
  let chart: CellChart | null = null;
  for (const attribute of attributes) {
    const eq = attribute.indexOf("=");
    const key = (eq < 0 ? attribute : attribute.slice(0, eq)).toLowerCase();
    const value = eq < 0 ? null : unquote(attribute.slice(eq + 1));
    switch (key) {
      case "name":
        cell.name = value ?? "";
        break;
      case "live": {
        cell.live = value !== "false";
        const ms = value === null ? NaN : Number(value);
        cell.liveMs = Number.isSafeInteger(ms) && ms > 0 ? ms : null;
        break;
      }
      case "chart":
        chart ??= { kind: "auto", x: null, y: null, color: null };
        chart.kind = (CHART_KINDS as readonly string[]).includes(value ?? "") ? value as ChartKind : "auto";
        break;
      case "x":
      case "y":
      case "color":
        chart ??= { kind: "auto", x: null, y: null, color: null };
        chart[key] = value;
        break;
    }
  }
  cell.chart = chart;
  return cell;
}

/** Cells without a (unique) name get `cell_N`, N the first number free. */
function fixNames(cells: NotebookCell[]): NotebookCell[] {
  const used = new Set(cells.map((cell) => cell.name.toLowerCase()).filter((name) => name !== ""));
  let next = 1;
  for (const cell of cells) {
    if (cell.name !== "") continue;
    while (used.has(`cell_${next}`)) next++;
    cell.name = `cell_${next}`;
    used.add(cell.name);
  }
  return cells;
}

function infoOf(cell: NotebookCell): string {
  const parts = ["sql", `name=${quote(cell.name)}`];
  if (cell.live) parts.push(cell.liveMs === null ? "live" : `live=${cell.liveMs}`);
  if (cell.chart !== null) {
    parts.push(`chart=${cell.chart.kind}`);
    if (cell.chart.x !== null) parts.push(`x=${quote(cell.chart.x)}`);
    if (cell.chart.y !== null) parts.push(`y=${quote(cell.chart.y)}`);
    if (cell.chart.color !== null) parts.push(`color=${quote(cell.chart.color)}`);
  }
  return parts.join(" ");
}

/** Three backticks, or one more than the longest run of backticks starting a line of the SQL. */
function fenceFor(sql: string): string {
  let longest = 2;
  for (const match of sql.matchAll(/^(`{3,})/gm)) longest = Math.max(longest, match[1].length);
  return "`".repeat(longest + 1);
}

function isClosingFence(line: string, fence: string): boolean {
  const match = /^(`{3,}|~{3,})[ \t]*$/.exec(line);
  return match !== null && match[1][0] === fence[0] && match[1].length >= fence.length;
}

/** Splits an info string on spaces, keeping "…" values (JSON strings) whole. */
function splitInfo(info: string): string[] {
  return info.match(/(?:[^\s"]+|"(?:[^"\\]|\\.)*")+/g) ?? [];
}

function quote(value: string): string {
  return /^[^\s"`=]+$/.test(value) ? value : JSON.stringify(value);
}

function unquote(value: string): string {
  if (!value.startsWith('"')) return value;
  try {
    return JSON.parse(value) as string;
  } catch {
    return value;
  }
}
