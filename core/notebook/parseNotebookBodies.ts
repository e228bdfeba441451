/**
 * Validation of the JSON bodies the notebook's HTTP endpoints accept, so handlers and the worker get typed
 * values or a message for a 400 that says which field is wrong and why. Pure.
 */
import { CHART_KINDS, type ChartKind, type NotebookCell, type NotebookDoc } from "./notebookFile.ts";
import type { CellSource, ExportFormat, Params, ParamValue, RunLimits } from "./notebookTypes.ts";

export type Parsed<T> = { kind: "ok"; value: T } | { kind: "rejected"; message: string };

export interface QueryBody {
  sql: string;
  params: Params;
  limits: Partial<RunLimits>;
}

export interface RunBody {
  cells: CellSource[];
  target: string;
  params: Params;
  key: string | undefined;
  limits: Partial<RunLimits>;
  /** A live cell's refresh (it waits for its turn in the engine's live budget). */
  live?: boolean;
}

export interface ExportBody {
  cells: CellSource[];
  target: string;
  params: Params;
  format: ExportFormat;
}

export interface SaveBody {
  doc: NotebookDoc;
  /** undefined: overwrite; null: create; a string: the version the edit started from. */
  expectedVersion: string | null | undefined;
}

const MAX_SQL = 100_000;
const MAX_CELLS = 200;
const MAX_PARAMS = 64;
/** Upper bounds a client may ask for; the engine's defaults apply below them. */
const MAX_TIMEOUT_MS = 60_000;
const MAX_ROWS = 100_000;

export function parseQueryBody(body: unknown): Parsed<QueryBody> {
  if (!isRecord(body)) return reject("the body must be a JSON object");
  if (typeof body.sql !== "string") return reject(`"sql" must be a string`);
  if (body.sql.length > MAX_SQL) return reject(`"sql" has ${body.sql.length} characters, at most ${MAX_SQL} allowed`);
  const params = parseParams(body.params);
  if (params.kind === "rejected") return params;
  const limits = parseLimits(body);
  if (limits.kind === "rejected") return limits;
  return { kind: "ok", value: { sql: body.sql, params: params.value, limits: limits.value } };
}

export function parseRunBody(body: unknown): Parsed<RunBody> {
  if (!isRecord(body)) return reject("the body must be a JSON object");
  const cells = parseCells(body.cells);
  if (cells.kind === "rejected") return cells;
  if (typeof body.target !== "string") return reject(`"target" must be the name of a cell`);
  const params = parseParams(body.params);
  if (params.kind === "rejected") return params;
  if (body.key !== undefined && (typeof body.key !== "string" || body.key.length > 200)) {
    return reject(`"key" must be a string of at most 200 characters`);
  }
  const limits = parseLimits(body);
  if (limits.kind === "rejected") return limits;
  if (body.live !== undefined && typeof body.live !== "boolean") return reject(`"live" must be a boolean`);
  return {
    kind: "ok",
    value: {
      cells: cells.value,
      target: body.target,
      params: params.value,
      key: body.key as string | undefined,
      limits: limits.value,
      ...(body.live === true ? { live: true } : {}),
    },
  };
}

export function parseExportBody(body: unknown): Parsed<ExportBody> {
  if (!isRecord(body)) return reject("the body must be a JSON object");
  const cells = parseCells(body.cells);
  if (cells.kind === "rejected") return cells;
  if (typeof body.target !== "string") return reject(`"target" must be the name of a cell`);
  const params = parseParams(body.params);
  if (params.kind === "rejected") return params;
  if (body.format !== "csv" && body.format !== "parquet") {
    return reject(`"format" must be "csv" or "parquet", got ${JSON.stringify(body.format)}`);
  }
  return { kind: "ok", value: { cells: cells.value, target: body.target, params: params.value, format: body.format } };
}

export function parseCells(value: unknown): Parsed<CellSource[]> {
  if (!Array.isArray(value)) return reject(`"cells" must be an array of {"name", "sql"}`);
  if (value.length > MAX_CELLS) return reject(`"cells" has ${value.length} cells, at most ${MAX_CELLS} allowed`);
  const cells: CellSource[] = [];
  for (const [i, cell] of value.entries()) {
    if (!isRecord(cell) || typeof cell.name !== "string" || typeof cell.sql !== "string") {
      return reject(`cells[${i}] must be {"name": string, "sql": string}`);
    }
    if (cell.sql.length > MAX_SQL) return reject(`cells[${i}].sql has more than ${MAX_SQL} characters`);
    cells.push({ name: cell.name, sql: cell.sql });
  }
  return { kind: "ok", value: cells };
}

export function parseParams(value: unknown): Parsed<Params> {
  if (value === undefined || value === null) return { kind: "ok", value: {} };
  if (!isRecord(value)) return reject(`"params" must be an object of name → string, number, boolean or null`);
  const entries = Object.entries(value);
  if (entries.length > MAX_PARAMS) return reject(`"params" has ${entries.length} entries, at most ${MAX_PARAMS}`);
  const params: Record<string, ParamValue> = {};
  for (const [name, param] of entries) {
    if (!/^[A-Za-z0-9_]{1,64}$/.test(name)) return reject(`param name ${JSON.stringify(name)} is not an identifier`);
    const ok = param === null || typeof param === "string" || typeof param === "boolean" ||
      (typeof param === "number" && Number.isFinite(param));
    if (!ok) return reject(`param ${JSON.stringify(name)} must be a string, finite number, boolean or null`);
    params[name] = param as ParamValue;
  }
  return { kind: "ok", value: params };
}

function parseLimits(body: Record<string, unknown>): Parsed<Partial<RunLimits>> {
  const limits: Partial<RunLimits> = {};
  if (body.timeoutMs !== undefined) {
    if (!isCount(body.timeoutMs, MAX_TIMEOUT_MS)) {
      return reject(`"timeoutMs" must be a whole number 1..${MAX_TIMEOUT_MS}`);
    }
    limits.timeoutMs = body.timeoutMs;
  }
  if (body.maxRows !== undefined) {
    if (!isCount(body.maxRows, MAX_ROWS)) return reject(`"maxRows" must be a whole number 1..${MAX_ROWS}`);
    limits.maxRows = body.maxRows;
  }
  return { kind: "ok", value: limits };
}

export function parseSaveBody(body: unknown): Parsed<SaveBody> {
  if (!isRecord(body)) return reject("the body must be a JSON object");
  const expected = body.version;
  if (expected !== undefined && expected !== null && typeof expected !== "string") {
    return reject(`"version" must be a string, null (create) or absent (overwrite)`);
  }
  if (!isRecord(body.notebook)) return reject(`"notebook" must be {"cells": [...], "trailer": string}`);
  const { cells, trailer } = body.notebook;
  if (!Array.isArray(cells) || cells.length > MAX_CELLS) return reject(`"notebook.cells" must be an array of cells`);
  if (typeof trailer !== "string") return reject(`"notebook.trailer" must be a string`);
  const parsed: NotebookCell[] = [];
  for (const [i, cell] of cells.entries()) {
    const one = parseNotebookCell(cell);
    if (one.kind === "rejected") return reject(`notebook.cells[${i}]: ${one.message}`);
    parsed.push(one.value);
  }
  return {
    kind: "ok",
    value: { doc: { cells: parsed, trailer }, expectedVersion: expected as string | null | undefined },
  };
}

function parseNotebookCell(cell: unknown): Parsed<NotebookCell> {
  if (!isRecord(cell)) return reject("must be an object");
  if (typeof cell.name !== "string" || !/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(cell.name)) {
    return reject(`"name" must be an identifier`);
  }
  if (typeof cell.sql !== "string" || cell.sql.length > MAX_SQL) return reject(`"sql" must be a string`);
  if (typeof cell.live !== "boolean") return reject(`"live" must be a boolean`);
  if (cell.liveMs !== null && !isCount(cell.liveMs, 3_600_000)) {
    return reject(`"liveMs" must be null or a whole number of ms`);
  }
  if (typeof cell.prose !== "string") return reject(`"prose" must be a string`);
  let chart: NotebookCell["chart"] = null;
  if (cell.chart !== null) {
    if (!isRecord(cell.chart) || !(CHART_KINDS as readonly unknown[]).includes(cell.chart.kind)) {
      return reject(`"chart" must be null or {"kind": ${CHART_KINDS.join("|")}, "x", "y", "color"}`);
    }
    const column = (v: unknown): string | null | undefined =>
      v === null ? null : typeof v === "string" && v.length < 200 && !v.includes("\n") ? v : undefined;
    const [x, y, color] = [column(cell.chart.x), column(cell.chart.y), column(cell.chart.color)];
    if (x === undefined || y === undefined || color === undefined) {
      return reject(`chart columns must be strings or null`);
    }
    chart = { kind: cell.chart.kind as ChartKind, x, y, color };
  }
  return {
    kind: "ok",
    value: {
      name: cell.name,
      sql: cell.sql,
      live: cell.live,
      liveMs: cell.liveMs as number | null,
      chart,
      prose: cell.prose,
    },
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isCount(value: unknown, max: number): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 1 && value <= max;
}

function reject(message: string): { kind: "rejected"; message: string } {
  return { kind: "rejected", message: `Bad request: ${message}` };
}
