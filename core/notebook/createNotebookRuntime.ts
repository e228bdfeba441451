/**
 * The reactive notebook, as the page runs it: cells as signals, and a scheduler that re-runs what an event
 * made stale, upstream before downstream.
 *
 * - Running a cell (Ctrl/Cmd-Enter) re-runs it and every cell that reads it, in topological order.
 * - Changing a parameter ($symbol, $interval, $from, $to) re-runs the cells whose SQL, or whose upstream cells'
 *   SQL, uses it.
 * - A commit notice re-runs live cells that read the cache, each at most every `liveMs` (default 1 000 ms), and
 *   the cells that read them. A live run never cancels a run in progress: it queues behind it.
 * - A cell made stale while it runs is cancelled (its server-side query interrupted) and queued again.
 * - A cell waits while any of its upstream cells is queued or running; a cell whose upstream cell failed does
 *   not run. Cycles and parse errors come back from the server as errors on the cells involved.
 *
 * Server calls go through the injected `api`, so the same runtime runs in the browser (fetch) and in tests (the
 * engine in-process). Signals are written only here, inside batch().
 */
import { batch, computed, type ReadonlySignal, type Signal, signal } from "@preact/signals-core";
import { buildCellGraph, type CellGraph, cellNameError, downstreamOf, upstreamOf } from "./cellGraph.ts";
import { type CellChart, formatNotebook, type NotebookCell, type NotebookDoc } from "./notebookFile.ts";
import type { CellAnalysis, CellSource, Params, QueryError, QueryResult } from "./notebookTypes.ts";
import { renameCellRefs } from "./renameCellRefs.ts";
import type { CommitNotice } from "./startCommitNotices.ts";

export type ApiResult<T> = { kind: "ok"; value: T } | { kind: "error"; error: QueryError; status: number };

export interface RuntimeApi {
  analyze(cells: CellSource[]): Promise<ApiResult<CellAnalysis[]>>;
  run(
    body: { cells: CellSource[]; target: string; params: Params; key: string; live?: boolean },
    signal: AbortSignal,
  ): Promise<ApiResult<QueryResult>>;
  cancel(key: string): Promise<void>;
}

export type CellStatus = "idle" | "queued" | "running" | "done" | "error";

export interface CellRunState {
  status: CellStatus;
  /** The newest result (kept on screen while the next run goes). */
  result: QueryResult | null;
  /** The newest run's error; null after a success. */
  error: QueryError | null;
  /** Key of the run going on (for progress), else null. */
  runKey: string | null;
  startedMs: number | null;
  finishedMs: number | null;
  /** Runs finished, this cell. */
  runs: number;
}

export interface RuntimeCell {
  readonly id: string;
  readonly name: ReadonlySignal<string>;
  readonly sql: ReadonlySignal<string>;
  readonly live: ReadonlySignal<boolean>;
  readonly liveMs: ReadonlySignal<number | null>;
  readonly chart: ReadonlySignal<CellChart | null>;
  readonly prose: ReadonlySignal<string>;
  readonly state: ReadonlySignal<CellRunState>;
  /** DuckDB's parse of the current SQL; null until analyzed (or while the SQL changed since). */
  readonly analysis: ReadonlySignal<CellAnalysis | null>;
}

export interface NotebookRuntime {
  readonly cells: ReadonlySignal<readonly RuntimeCell[]>;
  readonly params: ReadonlySignal<Params>;
  readonly graph: ReadonlySignal<CellGraph>;
  /** Whether the notebook differs from what was last loaded or saved. */
  readonly unsaved: ReadonlySignal<boolean>;
  /** Runs the cell and the cells downstream of it. */
  run(id: string): void;
  runAll(): void;
  /** Cancels the cell's run, if any. */
  cancel(id: string): void;
  setSql(id: string, sql: string): void;
  /** Renames the cell and rewrites references to it in the cells that read it; an error message or null. */
  rename(id: string, name: string): Promise<string | null>;
  setLive(id: string, live: boolean, liveMs?: number | null): void;
  setChart(id: string, chart: CellChart | null): void;
  /** Adds a cell after `afterId` (or at the end); returns its id. */
  add(afterId?: string, sql?: string): string;
  remove(id: string): void;
  move(id: string, delta: -1 | 1): void;
  /** Merges parameter values; re-runs the cells that use a changed one. */
  setParams(changes: Params): void;
  commitNotice(notice: CommitNotice): void;
  toDoc(): NotebookDoc;
  markSaved(): void;
  /** Resolves when nothing is queued or running. */
  idle(): Promise<void>;
  dispose(): void;
}

export interface NotebookRuntimeOptions {
  api: RuntimeApi;
  params: Params;
  /** Prefix of run keys, unique per page. */
  sessionId: string;
  /** Runs in flight at once. Default 2. */
  concurrency?: number;
  /** Names cells may not take (cache tables and views), lower case. */
  reserved?: ReadonlySet<string>;
  /** Default least time between live runs, ms. Default 1 000. */
  defaultLiveMs?: number;
  /** Delay before SQL edits are analyzed, ms. Default 300. */
  analyzeDelayMs?: number;
  nowMs?: () => number;
}

/** Tables a live cell must read to follow candle commits for one symbol only. */
const CANDLE_TABLES = new Set(["candles", "candles_latest"]);

interface CellSignals extends RuntimeCell {
  readonly name: Signal<string>;
  readonly sql: Signal<string>;
  readonly live: Signal<boolean>;
  readonly liveMs: Signal<number | null>;
  readonly chart: Signal<CellChart | null>;
  readonly prose: Signal<string>;
  readonly state: Signal<CellRunState>;
  readonly analysis: Signal<CellAnalysis | null>;
}

interface Running {
  key: string;
  controller: AbortController;
}

export function createNotebookRuntime(doc: NotebookDoc, options: NotebookRuntimeOptions): NotebookRuntime {
  const { api, sessionId } = options;
  const concurrency = Math.max(1, options.concurrency ?? 2);
  const defaultLiveMs = options.defaultLiveMs ?? 1000;
  const analyzeDelayMs = options.analyzeDelayMs ?? 300;
  const now = options.nowMs ?? (() => Date.now());
  const reserved = options.reserved ?? new Set<string>();

  let nextId = 1;
  let runCounter = 0;
  const trailer = doc.trailer;
  const cells = signal<readonly CellSignals[]>(doc.cells.map((cell) => newCell(cell)));
  const params = signal<Params>({ ...options.params });
  const analysesVersion = signal(0);
  const savedText = signal(formatNotebook(doc));
  const graph = computed(() => {
    analysesVersion.value;
    return buildCellGraph(
      cells.value.map((cell) => ({ name: cell.name.value, refs: cell.analysis.value?.refs ?? [] })),
    );
  });
  const unsaved = computed(() => formatNotebook(docOf(cells.value)) !== savedText.value);

  const dirty = new Set<string>();
  /** Dirty cells whose next run is a live refresh. */
  const liveDirty = new Set<string>();
  const running = new Map<string, Running>();
  const lastLiveMs = new Map<string, number>();
  const liveTimers = new Map<string, ReturnType<typeof setTimeout>>();
  const analyzedSql = new Map<string, string>();
  let analyzeTimer: ReturnType<typeof setTimeout> | null = null;
  let analyzing: Promise<void> | null = null;
  let pumping = false;
  let repump = false;
  let disposed = false;
  let idleWaiters: (() => void)[] = [];
  /** run()/runAll()/setParams() calls still analyzing before they mark cells stale. */
  let pendingOps = 0;

  function newCell(cell: NotebookCell): CellSignals {
    return {
      id: `c${nextId++}`,
      name: signal(cell.name),
      sql: signal(cell.sql),
      live: signal(cell.live),
      liveMs: signal(cell.liveMs),
      chart: signal(cell.chart),
      prose: signal(cell.prose),
      state: signal<CellRunState>({
        status: "idle",
        result: null,
        error: null,
        runKey: null,
        startedMs: null,
        finishedMs: null,
        runs: 0,
      }),
      analysis: signal<CellAnalysis | null>(null),
    };
  }

  function docOf(list: readonly CellSignals[]): NotebookDoc {
    return {
      cells: list.map((cell) => ({
        name: cell.name.value,
        sql: cell.sql.value,
        live: cell.live.value,
        liveMs: cell.liveMs.value,
        chart: cell.chart.value,
        prose: cell.prose.value,
      })),
      trailer,
    };
  }

  const byId = (id: string): CellSignals | undefined => cells.peek().find((cell) => cell.id === id);
  const byName = (name: string): CellSignals | undefined => {
    const resolved = graph.peek().resolve(name);
    return resolved === undefined ? undefined : cells.peek().find((cell) => cell.name.peek() === resolved);
  };
  const sources = (): CellSource[] => cells.peek().map((cell) => ({ name: cell.name.peek(), sql: cell.sql.peek() }));

  function patchState(cell: CellSignals, patch: Partial<CellRunState>): void {
    cell.state.value = { ...cell.state.peek(), ...patch };
  }

  // ---- analysis ----------------------------------------------------------------------------------------------
  /** Analyzes every cell whose SQL changed since its last analysis; loops until none did meanwhile. */
  function ensureAnalyzed(): Promise<void> {
    if (analyzing !== null) return analyzing;
    // Reset in a later microtask: a loop with nothing to do settles synchronously, before this assignment.
    const promise: Promise<void> = analyzeLoop().finally(() => {
      if (analyzing === promise) analyzing = null;
    });
    analyzing = promise;
    return promise;
  }

  async function analyzeLoop(): Promise<void> {
    while (!disposed) {
      const stale = cells.peek().filter((cell) => analyzedSql.get(cell.id) !== cell.sql.peek());
      if (stale.length === 0) return;
      const snapshot = stale.map((cell) => ({ cell, sql: cell.sql.peek() }));
      const result = await api.analyze(snapshot.map(({ cell, sql }) => ({ name: cell.name.peek(), sql })));
      if (result.kind === "error") {
        // The server is unreachable or refused: leave the analyses as they are; runs will report the error.
        for (const { cell, sql } of snapshot) analyzedSql.set(cell.id, sql);
        return;
      }
      batch(() => {
        snapshot.forEach(({ cell, sql }, i) => {
          analyzedSql.set(cell.id, sql);
          if (cell.sql.peek() === sql) cell.analysis.value = { ...result.value[i], name: cell.name.peek() };
        });
        analysesVersion.value++;
      });
    }
  }

  function analyzeSoon(): void {
    if (analyzeTimer !== null) clearTimeout(analyzeTimer);
    analyzeTimer = setTimeout(() => {
      analyzeTimer = null;
      void ensureAnalyzed();
    }, analyzeDelayMs);
  }

  // ---- scheduling --------------------------------------------------------------------------------------------
  /** Marks cells stale (by name, with everything downstream); `interrupt` cancels those running. */
  function markStale(names: Iterable<string>, interrupt: boolean): void {
    const g = graph.peek();
    batch(() => {
      for (const name of downstreamOf(g, names)) {
        const cell = byName(name);
        if (cell === undefined) continue;
        // A live refresh is budgeted on the server; a run the user asked for (an edit, a parameter) is not, and
        // a refresh queued behind such a run stays unbudgeted.
        if (interrupt) liveDirty.delete(cell.id);
        else if (!dirty.has(cell.id)) liveDirty.add(cell.id);
        dirty.add(cell.id);
        const current = running.get(cell.id);
        if (current !== undefined && interrupt) {
          running.delete(cell.id);
          current.controller.abort();
          void api.cancel(current.key);
        }
        if (!running.has(cell.id)) patchState(cell, { status: "queued" });
      }
    });
    void pump();
  }

  async function pump(): Promise<void> {
    if (pumping) {
      repump = true;
      return;
    }
    pumping = true;
    try {
      do {
        repump = false;
        await ensureAnalyzed();
        if (disposed) return;
        const g = graph.peek();
        for (const id of [...dirty]) {
          const cell = byId(id);
          if (cell === undefined) dirty.delete(id);
          else if (g.resolve(cell.name.peek()) !== cell.name.peek() || byName(cell.name.peek()) !== cell) {
            // A second cell with a name already taken is not in the graph: it cannot run until renamed.
            dirty.delete(id);
            patchState(cell, {
              status: "error",
              error: { kind: "sql", message: `Another cell is already named "${cell.name.peek()}"`, position: null },
              finishedMs: now(),
            });
          }
        }
        for (const name of g.order) {
          if (running.size >= concurrency) break;
          const cell = byName(name);
          if (cell === undefined || !dirty.has(cell.id) || running.has(cell.id)) continue;
          const upstream = g.inCycle.has(name) ? [] : upstreamOf(g, name).map(byName).filter((c) => c !== undefined);
          if (upstream.some((c) => dirty.has(c.id) || running.has(c.id))) continue;
          dirty.delete(cell.id);
          const failed = upstream.find((c) => c.state.peek().status === "error");
          if (failed !== undefined) {
            patchState(cell, {
              status: "error",
              error: {
                kind: "upstream",
                message: `Upstream cell "${failed.name.peek()}" failed, so this cell did not run`,
                position: null,
              },
              finishedMs: now(),
            });
            continue;
          }
          start(cell);
        }
      } while (repump);
    } finally {
      pumping = false;
    }
    settle();
  }

  function settle(): void {
    if (dirty.size === 0 && running.size === 0 && pendingOps === 0 && !pumping) {
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  /** Runs `then` after the cells are analyzed, counted so that idle() waits for it. */
  function afterAnalysis(then: () => void): void {
    pendingOps++;
    void ensureAnalyzed().then(() => {
      pendingOps--;
      if (!disposed) then();
      settle();
    });
  }

  function start(cell: CellSignals): void {
    const key = `${sessionId}:${cell.id}:${++runCounter}`;
    const controller = new AbortController();
    const entry: Running = { key, controller };
    running.set(cell.id, entry);
    const startedMs = now();
    if (cell.live.peek()) lastLiveMs.set(cell.id, startedMs);
    patchState(cell, { status: "running", runKey: key, startedMs });
    const live = liveDirty.delete(cell.id);
    const body = { cells: sources(), target: cell.name.peek(), params: params.peek(), key, ...(live ? { live } : {}) };
    void api.run(body, controller.signal).then((outcome) => {
      if (running.get(cell.id) !== entry || disposed) return; // superseded: a newer run owns the cell
      running.delete(cell.id);
      const state = cell.state.peek();
      const finished = { runKey: null, finishedMs: now(), runs: state.runs + 1 };
      if (outcome.kind === "ok") {
        patchState(cell, {
          ...finished,
          status: dirty.has(cell.id) ? "queued" : "done",
          result: outcome.value,
          error: null,
        });
      } else {
        patchState(cell, { ...finished, status: dirty.has(cell.id) ? "queued" : "error", error: outcome.error });
      }
      void pump();
    });
  }

  function scheduleLive(cell: CellSignals): void {
    if (liveTimers.has(cell.id)) return;
    const gap = cell.liveMs.peek() ?? defaultLiveMs;
    const since = now() - (lastLiveMs.get(cell.id) ?? -Infinity);
    const fire = (): void => {
      liveTimers.delete(cell.id);
      if (disposed || !cell.live.peek()) return;
      lastLiveMs.set(cell.id, now());
      markStale([cell.name.peek()], false);
    };
    if (since >= gap) fire();
    else liveTimers.set(cell.id, setTimeout(fire, gap - since));
  }

  /** Parameters a cell uses, its upstream cells' included. */
  function paramsUsed(name: string): Set<string> {
    const g = graph.peek();
    const used = new Set<string>();
    for (const cellName of [...upstreamOf(g, name), name]) {
      for (const param of byName(cellName)?.analysis.peek()?.params ?? []) used.add(param);
    }
    return used;
  }

  /** Cache tables (refs that are no cell) a cell reads, its upstream cells' included. */
  function tablesRead(name: string): Set<string> {
    const g = graph.peek();
    const tables = new Set<string>();
    for (const cellName of [...upstreamOf(g, name), name]) {
      for (const ref of byName(cellName)?.analysis.peek()?.refs ?? []) {
        if (g.resolve(ref) === undefined) tables.add(ref.toLowerCase());
      }
    }
    return tables;
  }

  // ---- public ------------------------------------------------------------------------------------------------
  function run(id: string): void {
    const cell = byId(id);
    if (cell === undefined) return;
    // Names resolve through the graph, which may predate an edit: analyze first, then mark.
    afterAnalysis(() => markStale([cell.name.peek()], true));
  }

  function runAll(): void {
    afterAnalysis(() => markStale(cells.peek().map((cell) => cell.name.peek()), true));
  }

  function cancel(id: string): void {
    const current = running.get(id);
    const cell = byId(id);
    dirty.delete(id);
    if (current === undefined || cell === undefined) return;
    running.delete(id);
    current.controller.abort();
    void api.cancel(current.key);
    patchState(cell, {
      status: "error",
      runKey: null,
      error: { kind: "cancelled", message: "Cancelled", position: null },
      finishedMs: now(),
    });
    void pump();
  }

  function setSql(id: string, sql: string): void {
    const cell = byId(id);
    if (cell === undefined || cell.sql.peek() === sql) return;
    batch(() => {
      cell.sql.value = sql;
      cell.analysis.value = null;
    });
    analyzeSoon();
  }

  async function rename(id: string, name: string): Promise<string | null> {
    const cell = byId(id);
    if (cell === undefined) return `There is no cell ${id}`;
    const old = cell.name.peek();
    if (old === name) return null;
    const others = cells.peek().filter((c) => c !== cell).map((c) => c.name.peek());
    const problem = cellNameError(name, { others, reserved });
    if (problem !== null) return problem;
    await ensureAnalyzed();
    batch(() => {
      for (const other of cells.peek()) {
        if (other === cell) continue;
        const analysis = other.analysis.peek();
        if (analysis === null || !analysis.refs.some((ref) => ref.toLowerCase() === old.toLowerCase())) continue;
        other.sql.value = renameCellRefs(other.sql.peek(), analysis.refSpans, old, name);
        other.analysis.value = null;
      }
      cell.name.value = name;
      analysesVersion.value++;
    });
    await ensureAnalyzed();
    return null;
  }

  function setLive(id: string, live: boolean, liveMs?: number | null): void {
    const cell = byId(id);
    if (cell === undefined) return;
    batch(() => {
      cell.live.value = live;
      if (liveMs !== undefined) cell.liveMs.value = liveMs;
    });
    if (!live) {
      clearTimeout(liveTimers.get(id));
      liveTimers.delete(id);
    }
  }

  function setChart(id: string, chart: CellChart | null): void {
    const cell = byId(id);
    if (cell !== undefined) cell.chart.value = chart;
  }

  function add(afterId?: string, sql = "SELECT 1"): string {
    const list = cells.peek();
    const taken = new Set(list.map((cell) => cell.name.peek().toLowerCase()));
    let n = list.length + 1;
    while (taken.has(`cell_${n}`)) n++;
    const cell = newCell({ name: `cell_${n}`, sql, live: false, liveMs: null, chart: null, prose: "\n" });
    const index = afterId === undefined ? list.length : list.findIndex((c) => c.id === afterId) + 1;
    cells.value = [...list.slice(0, index), cell, ...list.slice(index)];
    analyzeSoon();
    return cell.id;
  }

  function remove(id: string): void {
    const cell = byId(id);
    if (cell === undefined) return;
    cancel(id);
    clearTimeout(liveTimers.get(id));
    liveTimers.delete(id);
    const dependents = (graph.peek().downstream.get(cell.name.peek()) ?? []).filter((name) =>
      name !== cell.name.peek()
    );
    cells.value = cells.peek().filter((c) => c !== cell);
    analysesVersion.value++;
    // Cells that read the removed one now fail (or read a table of that name): show it.
    if (dependents.length > 0) markStale(dependents, true);
  }

  function move(id: string, delta: -1 | 1): void {
    const list = [...cells.peek()];
    const index = list.findIndex((cell) => cell.id === id);
    const target = index + delta;
    if (index < 0 || target < 0 || target >= list.length) return;
    [list[index], list[target]] = [list[target], list[index]];
    cells.value = list;
  }

  function setParams(changes: Params): void {
    const before = params.peek();
    const changed = Object.keys(changes).filter((key) => before[key] !== changes[key]);
    if (changed.length === 0) return;
    params.value = { ...before, ...changes };
    afterAnalysis(() => {
      const stale = cells.peek().map((cell) => cell.name.peek()).filter((name) => {
        const used = paramsUsed(name);
        return changed.some((key) => used.has(key));
      });
      if (stale.length > 0) markStale(stale, true);
    });
  }

  function commitNotice(notice: CommitNotice): void {
    const symbol = params.peek().symbol;
    for (const cell of cells.peek()) {
      if (!cell.live.peek()) continue;
      const name = cell.name.peek();
      const tables = tablesRead(name);
      if (tables.size === 0) continue;
      // A cell on one symbol's candles need not re-run when only other symbols' candles came in.
      const candlesOnly = [...tables].every((table) => CANDLE_TABLES.has(table));
      if (
        candlesOnly && typeof symbol === "string" && paramsUsed(name).has("symbol") && notice.symbols.length > 0 &&
        !notice.symbols.includes(symbol)
      ) continue;
      scheduleLive(cell);
    }
  }

  return {
    cells,
    params,
    graph,
    unsaved,
    run,
    runAll,
    cancel,
    setSql,
    rename,
    setLive,
    setChart,
    add,
    remove,
    move,
    setParams,
    commitNotice,
    toDoc: () => docOf(cells.peek()),
    markSaved: () => {
      savedText.value = formatNotebook(docOf(cells.peek()));
    },
    idle: () => {
      return new Promise((resolve) => {
        idleWaiters.push(resolve);
        settle();
      });
    },
    dispose: () => {
      disposed = true;
      if (analyzeTimer !== null) clearTimeout(analyzeTimer);
      for (const timer of liveTimers.values()) clearTimeout(timer);
      liveTimers.clear();
      for (const current of running.values()) {
        current.controller.abort();
        void api.cancel(current.key);
      }
      running.clear();
      dirty.clear();
      liveDirty.clear();
      for (const resolve of idleWaiters) resolve();
      idleWaiters = [];
    },
  };
}
