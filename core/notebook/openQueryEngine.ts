/**
 * The notebook's query engine on a DuckDB instance (the ingest worker's, or one a script opened): analyzes
 * cells, runs a cell with its upstream cells spliced in (composeCellSql.ts), runs plain queries for the HTTP
 * API, exports a cell's result with COPY, and reads the catalog for completion.
 *
 * Safety, in three walls (see tests/notebook/safety_test.ts):
 * 1. checkStatement(): DuckDB's parser must see one SELECT/EXPLAIN statement; nothing else is prepared.
 * 2. Every user statement runs in `BEGIN TRANSACTION READ ONLY`, rolled back afterwards, on connections of its
 *    own (never the ingest writer's): DROP, DELETE, INSERT, CREATE cannot write even if they got past wall 1.
 * 3. lockDownInstance(): no file or network access outside the export folder, no extensions, no SET.
 * Each run has a timeout (connection.interrupt()) and a row cap; the instance has a memory limit.
 *
 * Live runs (a live cell refreshing after a commit) share a budget: one at a time, and after a live run that took
 * d ms the next one waits d × (1 − share) / share ms, so live cells never take more than `liveShare` of the wall
 * time (default 3 %) from the ingest they follow, however heavy they are; a heavy live cell refreshes less often.
 * A live run waiting for its turn is superseded like any other, so refreshes coalesce.
 *
 * Runs are keyed: a run with the key of a run still going cancels that one ("superseded"). The pool has a few
 * connections, made before the lock-down because `enable_progress_bar` (needed for progress()) can only be
 * set per connection; an interrupted connection is reused (DuckDB clears the flag when the next query starts).
 */
import { join } from "node:path";
import { type DuckDBConnection, type DuckDBInstance, StatementType } from "@duckdb/node-api";
import { analyzeCell } from "./analyzeCell.ts";
import { bindParams } from "./bindParams.ts";
import { buildCellGraph, cellNameError, cycleOf, upstreamOf } from "./cellGraph.ts";
import { ALLOWED_STATEMENTS, checkStatement, messageOf } from "./checkStatement.ts";
import { type CellSegment, composeCellSql, segmentAt } from "./composeCellSql.ts";
import { errorKindOf, lineAndColumn, locateDuckDbError } from "./locateDuckDbError.ts";
import { lockDownInstance } from "./lockDownInstance.ts";
import {
  type AsOf,
  type CatalogTable,
  type CellAnalysis,
  type CellSource,
  DEFAULT_RUN_LIMITS,
  type ExportFormat,
  type ExportInfo,
  type Params,
  type QueryError,
  type QueryErrorKind,
  type QueryResult,
  type RunLimits,
  type RunOutcome,
} from "./notebookTypes.ts";

export interface QueryEngineOptions {
  /** Absolute path of the export folder (it must exist); the only folder DuckDB may touch. */
  exportDir: string;
  /** Instance-wide DuckDB memory limit. Default "2GB". */
  memoryLimit?: string;
  /** Connections for user queries; runs past this many wait. Default 2. */
  connections?: number;
  /** Defaults for runs that do not say. */
  limits?: Partial<RunLimits>;
  /** Default 120 000. */
  exportTimeoutMs?: number;
  /** The largest share of wall time live runs may take, in (0, 1]. Default 0.03. */
  liveShare?: number;
}

export interface RunCellRequest {
  /** The notebook's cells (all of them, or at least the target's upstream closure). */
  cells: readonly CellSource[];
  target: string;
  params?: Params;
  /** A newer run with the same key cancels this one. */
  key?: string;
  limits?: Partial<RunLimits>;
  /** A live cell's refresh: it waits for its turn in the live budget (see the module comment). */
  live?: boolean;
}

export interface QueryRequest {
  sql: string;
  params?: Params;
  key?: string;
  limits?: Partial<RunLimits>;
}

export interface ExportRequest {
  cells: readonly CellSource[];
  target: string;
  params?: Params;
  format: ExportFormat;
}

export type ExportOutcome = { kind: "ok"; export: ExportInfo } | { kind: "error"; error: QueryError };

export interface QueryEngine {
  analyze(cells: readonly CellSource[]): Promise<CellAnalysis[]>;
  runCell(request: RunCellRequest): Promise<RunOutcome>;
  /** One statement, no cells: the HTTP API. */
  query(request: QueryRequest): Promise<RunOutcome>;
  /** Cancels the run with this key (queued or running); false when there is none. */
  cancel(key: string): boolean;
  /** Percent done of the run with this key as DuckDB estimates it, or null (not running, or unknown). */
  progress(key: string): number | null;
  catalog(): Promise<CatalogTable[]>;
  exportCell(request: ExportRequest): Promise<ExportOutcome>;
  readonly exportDir: string;
  /** Closes the engine's connections; runs still going fail. The instance stays locked down. */
  close(): void;
}

interface Slot {
  connection: DuckDBConnection;
  busy: boolean;
}

interface Run {
  key: string | null;
  slot: Slot | null;
  /** Set once: why the run was stopped. */
  stopped: "cancelled" | "superseded" | "timeout" | null;
  /** Re-sends interrupt() until the run ends: one sent just before a query starts is cleared by that start. */
  interrupter: ReturnType<typeof setInterval> | null;
  timeoutMs: number;
  /** Resolves a run still waiting for a connection or for its live turn. */
  wake: (() => void) | null;
}

/** Leaves the live budget's turn: the run's busy time sets when the next live run may start. */
type LeaveLive = (busyMs: number) => void;

const ANALYSIS_CACHE_SIZE = 1000;
const CATALOG_TTL_MS = 5_000;
const EXPORT_FILE = /^[A-Za-z0-9_-]+\.(csv|parquet)$/;

export async function openQueryEngine(instance: DuckDBInstance, options: QueryEngineOptions): Promise<QueryEngine> {
  const defaults: RunLimits = { ...DEFAULT_RUN_LIMITS, ...options.limits };
  const exportTimeoutMs = options.exportTimeoutMs ?? 120_000;
  const connectionCount = Math.max(1, options.connections ?? 2);
  const exportDir = options.exportDir.replace(/\/+$/, "");
  const liveShare = options.liveShare ?? 0.03;
  if (!(liveShare > 0 && liveShare <= 1)) {
    throw new RangeError(`liveShare must be in (0, 1], got ${options.liveShare}`);
  }

  const opened: DuckDBConnection[] = [];
  try {
    for (let i = 0; i < connectionCount + 2; i++) {
      const connection = await instance.connect();
      opened.push(connection);
      await connection.run("SET enable_progress_bar = true");
      await connection.run("SET enable_progress_bar_print = false");
    }
    await lockDownInstance(opened[0], { exportDir, memoryLimit: options.memoryLimit ?? "2GB" });
  } catch (error) {
    for (const connection of opened) connection.closeSync();
    throw error;
  }
  // Trusted SQL only (the parser, the catalog): never runs user SQL, so it needs no transaction.
  const meta = opened[0];
  // Exports: one at a time, COPY of a checked SELECT into the export folder.
  const exporter: Slot = { connection: opened[1], busy: false };
  const slots: Slot[] = opened.slice(2).map((connection) => ({ connection, busy: false }));

  const waiting: Run[] = [];
  const byKey = new Map<string, Run>();
  const analysisCache = new Map<string, Omit<CellAnalysis, "name">>();
  let catalogCache: { atMs: number; tables: CatalogTable[] } | null = null;
  let metaQueue: Promise<unknown> = Promise.resolve();
  let exportQueue: Promise<unknown> = Promise.resolve();
  let closed = false;
  /** Settles when the live run holding the turn leaves it. */
  let liveTail: Promise<void> = Promise.resolve();
  /** When the next live run may start (performance.now() ms). */
  let liveOpensAtMs = 0;
  const liveWaiting = new Set<Run>();

  /** Runs `fn` on the meta connection after everything queued before it. */
  function onMeta<T>(fn: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
    const next = metaQueue.then(() => fn(meta));
    metaQueue = next.catch(() => {});
    return next;
  }

  async function analyze(cells: readonly CellSource[]): Promise<CellAnalysis[]> {
    assertOpen();
    const results: CellAnalysis[] = [];
    for (const cell of cells) {
      let cached = analysisCache.get(cell.sql);
      if (cached === undefined) {
        const { name: _name, ...analysis } = await onMeta((connection) => analyzeCell(connection, cell));
        cached = analysis;
        if (analysisCache.size >= ANALYSIS_CACHE_SIZE) analysisCache.delete(analysisCache.keys().next().value!);
        analysisCache.set(cell.sql, cached);
      }
      const withName: CellAnalysis = { name: cell.name, ...cached };
      if (withName.error?.position) {
        withName.error = { ...withName.error, position: { ...withName.error.position, cell: cell.name } };
      }
      results.push(withName);
    }
    return results;
  }

  async function catalog(): Promise<CatalogTable[]> {
    assertOpen();
    if (catalogCache !== null && performance.now() - catalogCache.atMs < CATALOG_TTL_MS) return catalogCache.tables;
    const rows = await onMeta(async (connection) =>
      (await connection.runAndReadAll(
        `SELECT t.table_name, t.table_type, c.column_name, c.data_type
         FROM information_schema.tables t
         JOIN information_schema.columns c USING (table_catalog, table_schema, table_name)
         WHERE t.table_schema = 'main' AND t.table_catalog = current_database()
         ORDER BY t.table_name, c.ordinal_position`,
      )).getRowsJS() as [string, string, string, string][]
    );
    const tables = new Map<string, CatalogTable>();
    for (const [table, type, column, dataType] of rows) {
      let entry = tables.get(table);
      if (entry === undefined) {
        entry = { name: table, kind: type === "VIEW" ? "view" : "table", columns: [] };
        tables.set(table, entry);
      }
      entry.columns.push({ name: column, type: dataType });
    }
    catalogCache = { atMs: performance.now(), tables: [...tables.values()] };
    return catalogCache.tables;
  }

  /** The composed SQL for a cell, or the error that keeps it from running. */
  async function prepareCell(
    cells: readonly CellSource[],
    target: string,
  ): Promise<{ kind: "ok"; sql: string; segments: CellSegment[]; sources: Map<string, string> } | QueryErrorOutcome> {
    const analyses = await analyze(cells);
    const graph = buildCellGraph(analyses);
    const name = graph.resolve(target);
    if (name === undefined) return failure("sql", `There is no cell named ${JSON.stringify(target)}`);
    const reserved = new Set((await catalog()).map((table) => table.name.toLowerCase()));
    const analysisOf = new Map(analyses.map((analysis) => [analysis.name, analysis]));
    // The first cell of a name is the one the graph knows; a later namesake is refused when it is the target.
    const sources = new Map<string, string>();
    for (const cell of cells) if (!sources.has(cell.name)) sources.set(cell.name, cell.sql);
    const own = cells.findIndex((cell) => cell.name === name);
    const nameProblem = cellNameError(name, {
      others: cells.filter((_, i) => i !== own).map((cell) => cell.name),
      reserved,
    });
    if (nameProblem !== null) return failure("sql", nameProblem);
    const cycle = cycleOf(graph, name);
    if (cycle !== undefined) {
      return failure(
        "cycle",
        `Cells ${[...cycle, cycle[0]].join(" → ")} read each other in a cycle; none of them can run`,
      );
    }
    const analysis = analysisOf.get(name)!;
    if (analysis.error !== null) return { kind: "error", error: analysis.error };
    const upstream = upstreamOf(graph, name);
    for (const cellName of upstream) {
      const analysis = analysisOf.get(cellName)!;
      if (graph.inCycle.has(cellName)) return failure("upstream", `Upstream cell "${cellName}" is part of a cycle`);
      if (reserved.has(cellName.toLowerCase())) {
        return failure("upstream", `Upstream cell "${cellName}" has the name of a cache table or view; rename it`);
      }
      if (analysis.error !== null) {
        return failure("upstream", `Upstream cell "${cellName}" cannot run: ${analysis.error.message}`);
      }
      if (analysis.kind !== "query") {
        return failure(
          "upstream",
          `Upstream cell "${cellName}" is ${
            article(analysis.kind)
          } ${analysis.kind.toUpperCase()} statement; only query cells can be read by other cells`,
        );
      }
    }
    const composed = composeCellSql(
      { name, sql: sources.get(name)! },
      upstream.map((cellName) => ({ name: cellName, sql: sources.get(cellName)! })),
    );
    if (composed.kind === "rejected") return failure("upstream", composed.message);
    return { kind: "ok", sql: composed.sql, segments: composed.segments, sources };
  }

  async function runCell(request: RunCellRequest): Promise<RunOutcome> {
    assertOpen();
    const run = startRun(request.key, limitsOf(request.limits).timeoutMs);
    const leave = request.live ? await enterLive(run) : null;
    const enteredMs = performance.now();
    try {
      if (run.stopped !== null) return stoppedOutcome(run);
      if (closed) return failure("cancelled", "Cancelled: the query engine closed");
      const prepared = await prepareCell(request.cells, request.target);
      if (prepared.kind === "error") return prepared;
      return await execute(run, prepared.sql, request.params ?? {}, limitsOf(request.limits), {
        locate: (offset) => {
          const hit = segmentAt(prepared.segments, offset);
          if (hit === null) return null;
          return { cell: hit.cell, offset: hit.offset, ...lineAndColumn(prepared.sources.get(hit.cell)!, hit.offset) };
        },
        asOf: true,
      });
    } finally {
      leave?.(performance.now() - enteredMs);
      endRun(run);
    }
  }

  /** Waits for the previous live run to end and for the budget to allow the next; a stopped run waits no longer. */
  async function enterLive(run: Run): Promise<LeaveLive> {
    const previous = liveTail;
    let open = (): void => {};
    liveTail = new Promise((resolve) => open = resolve);
    await previous;
    const waitMs = liveOpensAtMs - performance.now();
    if (waitMs > 0 && run.stopped === null) {
      liveWaiting.add(run);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, waitMs);
        run.wake = () => {
          run.wake = null;
          clearTimeout(timer);
          resolve();
        };
      });
      run.wake = null;
      liveWaiting.delete(run);
    }
    return (busyMs) => {
      // Never earlier than already set: a run stopped while waiting (busy ≈ 0) must not reopen the gate.
      liveOpensAtMs = Math.max(liveOpensAtMs, performance.now() + busyMs * (1 - liveShare) / liveShare);
      open();
    };
  }

  async function query(request: QueryRequest): Promise<RunOutcome> {
    assertOpen();
    const run = startRun(request.key, limitsOf(request.limits).timeoutMs);
    try {
      return await execute(run, request.sql, request.params ?? {}, limitsOf(request.limits), {
        locate: (offset) => ({ cell: null, offset, ...lineAndColumn(request.sql, offset) }),
        asOf: false,
      });
    } finally {
      endRun(run);
    }
  }

  async function execute(
    run: Run,
    sql: string,
    params: Params,
    limits: RunLimits,
    how: { locate(offset: number): QueryError["position"]; asOf: boolean },
  ): Promise<RunOutcome> {
    const slot = await acquire(run);
    if (slot === null) return stoppedOutcome(run);
    const { connection } = slot;
    const startedMs = performance.now();
    const toError = (message: string, kind?: QueryErrorKind): RunOutcome => {
      const located = locateDuckDbError(message, sql);
      return {
        kind: "error",
        error: {
          kind: kind ?? errorKindOf(message),
          message: located.message,
          position: located.offset === null ? null : how.locate(located.offset),
        },
      };
    };
    let timer: ReturnType<typeof setTimeout> | undefined;
    let destroy = (): void => {};
    try {
      await connection.run("BEGIN TRANSACTION READ ONLY");
      const check = await checkStatement(connection, sql);
      if (check.kind === "refused") return failure("refused", check.message);
      if (check.kind === "failed") return toError(check.message);
      destroy = () => check.prepared.destroySync();
      const bound = bindParams(check.prepared, params);
      if (bound.kind === "rejected") return failure("params", bound.message);
      if (run.stopped !== null) return stoppedOutcome(run);
      timer = setTimeout(() => stop(run, "timeout"), limits.timeoutMs);
      const result = await check.prepared.stream();
      const columns = result.columnNames().map((name, i) => ({ name, type: result.columnType(i).toString() }));
      const rows: unknown[][] = [];
      let truncated = false;
      outer: for await (const chunk of result.yieldRowsJson()) {
        for (const row of chunk) {
          if (rows.length >= limits.maxRows) {
            truncated = true;
            break outer;
          }
          rows.push(row);
        }
      }
      const elapsedMs = performance.now() - startedMs;
      clearTimeout(timer);
      if (run.stopped !== null) return stoppedOutcome(run);
      const parameterNames = new Set(
        Array.from({ length: check.prepared.parameterCount }, (_, i) => check.prepared.parameterName(i + 1)),
      );
      const asOf = how.asOf ? await readAsOf(connection, params, parameterNames) : null;
      const value: QueryResult = { columns, rows, rowCount: rows.length, truncated, elapsedMs, asOf };
      return { kind: "ok", result: value };
    } catch (error) {
      if (run.stopped !== null) return stoppedOutcome(run);
      return toError(messageOf(error));
    } finally {
      clearTimeout(timer);
      destroy();
      // No interrupt meant for this run may reach the connection's next one.
      if (run.interrupter !== null) clearInterval(run.interrupter);
      run.interrupter = null;
      await connection.run("ROLLBACK").catch(() => {});
      release(slot);
    }
  }

  function stoppedOutcome(run: Run): QueryErrorOutcome {
    switch (run.stopped) {
      case "timeout":
        return failure(
          "timeout",
          `The query was stopped after ${run.timeoutMs} ms (the time limit); narrow it, e.g. with a WHERE on open_time or a LIMIT`,
        );
      case "superseded":
        return failure("cancelled", "Cancelled: a newer run of this cell started");
      default:
        return failure("cancelled", "Cancelled");
    }
  }

  function startRun(key: string | undefined, timeoutMs: number): Run {
    const run: Run = { key: key ?? null, slot: null, stopped: null, interrupter: null, timeoutMs, wake: null };
    if (key !== undefined) {
      const previous = byKey.get(key);
      if (previous !== undefined) stop(previous, "superseded");
      byKey.set(key, run);
    }
    return run;
  }

  function endRun(run: Run): void {
    if (run.interrupter !== null) clearInterval(run.interrupter);
    run.interrupter = null;
    if (run.key !== null && byKey.get(run.key) === run) byKey.delete(run.key);
  }

  function stop(run: Run, reason: NonNullable<Run["stopped"]>): void {
    if (run.stopped !== null) return;
    run.stopped = reason;
    if (run.wake !== null) {
      run.wake();
      return;
    }
    if (run.slot === null) return;
    const connection = run.slot.connection;
    connection.interrupt();
    run.interrupter = setInterval(() => connection.interrupt(), 50);
  }

  function acquire(run: Run): Promise<Slot | null> {
    const free = slots.find((slot) => !slot.busy);
    if (free !== undefined) {
      free.busy = true;
      run.slot = free;
      return Promise.resolve(free);
    }
    return new Promise((resolve) => {
      run.wake = () => {
        run.wake = null;
        const index = waiting.indexOf(run);
        if (index >= 0) waiting.splice(index, 1);
        if (run.stopped !== null || closed) {
          resolve(null);
          return;
        }
        const slot = slots.find((s) => !s.busy)!;
        slot.busy = true;
        run.slot = slot;
        resolve(slot);
      };
      waiting.push(run);
    });
  }

  function release(slot: Slot): void {
    slot.busy = false;
    for (const run of [...byKey.values()]) if (run.slot === slot) run.slot = null;
    waiting[0]?.wake?.();
  }

  async function readAsOf(
    connection: DuckDBConnection,
    params: Params,
    used: ReadonlySet<string>,
  ): Promise<AsOf | null> {
    const symbol = params.symbol;
    const interval = params.interval;
    const topic = used.has("symbol") && used.has("interval") && typeof symbol === "string" &&
        typeof interval === "string"
      ? `candle.${symbol}.${interval}`
      : null;
    try {
      const prepared = await connection.prepare(
        `SELECT max(last_seq)::VARCHAR, epoch_ms(max(updated_at)) FROM ingest_cursors
         WHERE ${topic === null ? "topic LIKE 'candle.%'" : "topic = $1"}`,
      );
      try {
        if (topic !== null) prepared.bindVarchar(1, topic);
        const [seq, timeMs] = (await prepared.runAndReadAll()).getRowsJS()[0] as [string | null, bigint | null];
        return { seq, time: timeMs === null ? null : new Date(Number(timeMs)).toISOString(), topic };
      } finally {
        prepared.destroySync();
      }
    } catch {
      // Not a fluxbook cache (no ingest_cursors): the result reflects nothing we can name.
      return null;
    }
  }

  async function exportCell(request: ExportRequest): Promise<ExportOutcome> {
    assertOpen();
    if (request.format !== "csv" && request.format !== "parquet") {
      return failure("sql", `Cannot export as ${JSON.stringify(request.format)}: use "csv" or "parquet"`);
    }
    const prepared = await prepareCell(request.cells, request.target);
    if (prepared.kind === "error") return prepared;
    const next = exportQueue.then(() => copyToFile(prepared.sql, request));
    exportQueue = next.catch(() => {});
    return await next;
  }

  /** The trusted path: our COPY around a SELECT that passed checkStatement(), on the export connection. */
  async function copyToFile(sql: string, request: ExportRequest): Promise<ExportOutcome> {
    const { connection } = exporter;
    const startedMs = performance.now();
    const file = `${request.target}-${new Date().toISOString().replace(/[-:]|\.\d+/g, "")}-${
      crypto.randomUUID().slice(0, 8)
    }.${request.format}`;
    if (!EXPORT_FILE.test(file)) {
      return failure("sql", `Cannot export: ${JSON.stringify(file)} is not a safe file name`);
    }
    const path = join(exportDir, file);
    const run = startRun(undefined, exportTimeoutMs);
    run.slot = exporter;
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      await connection.run("BEGIN TRANSACTION READ ONLY");
      const check = await checkStatement(connection, sql);
      if (check.kind === "refused") return failure("refused", check.message);
      if (check.kind === "failed") {
        return failure(errorKindOf(check.message), locateDuckDbError(check.message, sql).message);
      }
      check.prepared.destroySync();
      if (check.statementType !== "SELECT") {
        return failure("refused", `Only a query can be exported, not ${ALLOWED_STATEMENTS}`);
      }
      // The SELECT parsed as one complete statement, so it cannot close our parenthesis; the newlines end any
      // line comment it ends with.
      const options = request.format === "csv" ? "FORMAT csv, HEADER true" : "FORMAT parquet";
      const copy = await connection.prepare(`COPY (\n${sql}\n) TO '${path.replaceAll("'", "''")}' (${options})`);
      try {
        if (copy.statementType !== StatementType.COPY) {
          return failure(
            "refused",
            `Cannot export: the export statement prepared as ${StatementType[copy.statementType]}`,
          );
        }
        const bound = bindParams(copy, request.params ?? {});
        if (bound.kind === "rejected") return failure("params", bound.message);
        timer = setTimeout(() => stop(run, "timeout"), exportTimeoutMs);
        const result = await copy.runAndReadAll();
        const rows = Number(result.getRowsJS()[0]?.[0] ?? result.rowsChanged);
        const bytes = (await Deno.stat(path)).size;
        return {
          kind: "ok",
          export: { file, format: request.format, rows, bytes, elapsedMs: performance.now() - startedMs },
        };
      } finally {
        copy.destroySync();
      }
    } catch (error) {
      await Deno.remove(path).catch(() => {});
      if (run.stopped !== null) return stoppedOutcome(run);
      return failure(errorKindOf(messageOf(error)), locateDuckDbError(messageOf(error), sql).message);
    } finally {
      clearTimeout(timer);
      endRun(run);
      await connection.run("ROLLBACK").catch(() => {});
    }
  }

  function limitsOf(partial: Partial<RunLimits> | undefined): RunLimits {
    return {
      timeoutMs: positive(partial?.timeoutMs, defaults.timeoutMs),
      maxRows: positive(partial?.maxRows, defaults.maxRows),
    };
  }

  function assertOpen(): void {
    if (closed) throw new Error("Cannot use the query engine: it is closed");
  }

  return {
    analyze,
    runCell,
    query,
    cancel(key) {
      const run = byKey.get(key);
      if (run === undefined) return false;
      stop(run, "cancelled");
      return true;
    },
    progress(key) {
      const run = byKey.get(key);
      if (run?.slot == null) return null;
      const percentage = run.slot.connection.progress.percentage;
      return percentage >= 0 ? percentage : null;
    },
    catalog,
    exportCell,
    exportDir,
    close() {
      if (closed) return;
      closed = true;
      for (const run of [...byKey.values()]) stop(run, "cancelled");
      for (const run of [...waiting, ...liveWaiting]) run.wake?.();
      for (const connection of opened) connection.closeSync();
    },
  };
}

type QueryErrorOutcome = { kind: "error"; error: QueryError };

function failure(kind: QueryErrorKind, message: string): QueryErrorOutcome {
  return { kind: "error", error: { kind, message, position: null } };
}

function positive(value: number | undefined, fallback: number): number {
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? value : fallback;
}

function article(word: string): string {
  return /^[aeiou]/i.test(word) ? "an" : "a";
}

/** Whether `file` could be an export's name (no path, a known extension). */
export function isExportFileName(file: string): boolean {
  return EXPORT_FILE.test(file);
}
