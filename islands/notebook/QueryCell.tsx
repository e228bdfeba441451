/**
 * One query cell: its prose, name (rename rewrites the cells that read it), live switch, SQL editor, status,
 * error (DuckDB's message with the line it points at) and result (table, chart on demand, export).
 */
import { useEffect, useState } from "preact/hooks";
import type { VNode } from "preact";
import type { NotebookRuntime, RuntimeCell } from "../../core/notebook/createNotebookRuntime.ts";
import type { ExportFormat, QueryError, QueryResult } from "../../core/notebook/notebookTypes.ts";
import { Markdown } from "./Markdown.tsx";
import { exportRequest, progressRequest } from "./notebookApi.ts";
import { ResultChart } from "./ResultChart.tsx";
import { ResultTable } from "./ResultTable.tsx";
import { SqlEditor } from "./SqlEditor.tsx";

export interface QueryCellProps {
  cell: RuntimeCell;
  runtime: NotebookRuntime;
  schema: Record<string, readonly string[]>;
  index: number;
  count: number;
}

export function QueryCell(props: QueryCellProps): VNode {
  const { cell, runtime } = props;
  const name = cell.name.value;
  const state = cell.state.value;
  const analysis = cell.analysis.value;
  const live = cell.live.value;
  const chart = cell.chart.value;
  const [draftName, setDraftName] = useState<string | null>(null);
  const [nameProblem, setNameProblem] = useState<string | null>(null);
  const [cursor, setCursor] = useState<{ offset: number; nonce: number } | null>(null);
  const [exported, setExported] = useState<{ text: string; url: string | null } | null>(null);

  const progress = useProgress(state.status === "running" ? state.runKey : null);

  const commitName = async (): Promise<void> => {
    if (draftName === null) return;
    const problem = await runtime.rename(cell.id, draftName.trim());
    setNameProblem(problem);
    if (problem === null) setDraftName(null);
  };

  const exportAs = async (format: ExportFormat): Promise<void> => {
    setExported({ text: `Exporting ${format}…`, url: null });
    const cells = runtime.cells.value.map((c) => ({ name: c.name.value, sql: c.sql.value }));
    const result = await exportRequest({ cells, target: name, params: runtime.params.value, format });
    if (result.kind === "error") {
      setExported({ text: `Export failed: ${result.error.message}`, url: null });
      return;
    }
    const info = result.value;
    setExported({ text: `${info.rows} rows → ${info.file} (${formatBytes(info.bytes)})`, url: info.url });
  };

  // A parse error shows before any run; after a run, the run's outcome.
  const error: QueryError | null = state.error ?? (state.runs === 0 ? analysis?.error ?? null : null);
  const running = state.status === "running" || state.status === "queued";

  return (
    <section class="nb-cell" data-cell={name} data-status={state.status} data-live={live ? "true" : "false"}>
      <Markdown text={cell.prose.value} />
      <header class="nb-cell-head">
        <input
          class="nb-cell-name"
          aria-label="cell name"
          value={draftName ?? name}
          onInput={(event) => setDraftName((event.target as HTMLInputElement).value)}
          onBlur={commitName}
          onKeyDown={(event) => {
            if (event.key === "Enter") void commitName();
            if (event.key === "Escape") {
              setDraftName(null);
              setNameProblem(null);
            }
          }}
        />
        <label class="nb-live-label" title="Re-run when new data is committed">
          <input
            type="checkbox"
            class="nb-live"
            checked={live}
            onChange={(event) => runtime.setLive(cell.id, (event.target as HTMLInputElement).checked)}
          />
          live
        </label>
        {live
          ? (
            <label class="nb-live-ms-label">
              every ≥
              <input
                type="number"
                class="nb-live-ms"
                min={100}
                step={100}
                value={cell.liveMs.value ?? 1000}
                onChange={(event) => {
                  const ms = Number((event.target as HTMLInputElement).value);
                  runtime.setLive(cell.id, true, Number.isFinite(ms) && ms >= 100 ? Math.round(ms) : null);
                }}
              />
              ms
            </label>
          )
          : null}
        <span class="nb-status" data-status={state.status}>
          {statusText(state.status)}
          {state.status === "running" && progress !== null ? ` ${Math.round(progress)}%` : ""}
        </span>
        <span class="nb-cell-actions">
          {running
            ? <button type="button" class="nb-cancel" onClick={() => runtime.cancel(cell.id)}>Cancel</button>
            : null}
          <button type="button" class="nb-run" title="Run (Ctrl/Cmd-Enter)" onClick={() => runtime.run(cell.id)}>
            Run ▸
          </button>
          <button type="button" class="nb-up" disabled={props.index === 0} onClick={() => runtime.move(cell.id, -1)}>
            ↑
          </button>
          <button
            type="button"
            class="nb-down"
            disabled={props.index === props.count - 1}
            onClick={() => runtime.move(cell.id, 1)}
          >
            ↓
          </button>
          <button type="button" class="nb-delete" onClick={() => runtime.remove(cell.id)}>Delete</button>
        </span>
      </header>
      {nameProblem !== null ? <p class="nb-name-problem">{nameProblem}</p> : null}
      <SqlEditor
        value={cell.sql.value}
        label={`SQL of cell ${name}`}
        onChange={(sql) => runtime.setSql(cell.id, sql)}
        onRun={() => runtime.run(cell.id)}
        schema={props.schema}
        cursor={cursor}
      />
      {error !== null
        ? (
          <CellError
            error={error}
            cellName={name}
            sqlOf={(cellName) => runtime.cells.value.find((c) => c.name.value === cellName)?.sql.value ?? null}
            onGoTo={(offset) => setCursor({ offset, nonce: Date.now() })}
          />
        )
        : null}
      {state.result !== null
        ? (
          <ResultView
            result={state.result}
            stale={error !== null || running}
            chartOpen={chart !== null}
            chart={chart}
            onChart={(next) => runtime.setChart(cell.id, next)}
            onExport={exportAs}
            exported={exported}
          />
        )
        : null}
    </section>
  );
}

function CellError(
  props: { error: QueryError; cellName: string; sqlOf(name: string): string | null; onGoTo(offset: number): void },
): VNode {
  const { error } = props;
  const position = error.position;
  const sql = position?.cell ? props.sqlOf(position.cell) : null;
  const line = position !== null && sql !== null ? sql.split("\n")[position.line - 1] ?? null : null;
  const elsewhere = position?.cell !== null && position?.cell !== undefined && position.cell !== props.cellName;
  return (
    <div class="nb-error" role="alert" data-kind={error.kind}>
      <pre class="nb-error-message">{error.message}</pre>
      {position !== null
        ? (
          <div class="nb-error-where">
            <span class="nb-error-position">
              {elsewhere ? `in cell ${position.cell}, ` : ""}line {position.line}, column {position.column}
            </span>
            {line !== null
              ? <pre class="nb-error-excerpt">{`${line}\n${" ".repeat(Math.max(0, position.column - 1))}^`}</pre>
              : null}
            {elsewhere
              ? null
              : (
                <button type="button" class="nb-error-goto" onClick={() => props.onGoTo(position.offset)}>
                  Go to error
                </button>
              )}
          </div>
        )
        : null}
    </div>
  );
}

interface ResultViewProps {
  result: QueryResult;
  stale: boolean;
  chartOpen: boolean;
  chart: import("../../core/notebook/notebookFile.ts").CellChart | null;
  onChart(chart: import("../../core/notebook/notebookFile.ts").CellChart | null): void;
  onExport(format: ExportFormat): void;
  exported: { text: string; url: string | null } | null;
}

function ResultView(props: ResultViewProps): VNode {
  const { result } = props;
  return (
    <div class={props.stale ? "nb-result nb-stale" : "nb-result"}>
      <div class="nb-meta">
        <span class="nb-rowcount" data-rows={result.rowCount}>
          {result.rowCount.toLocaleString("en-US")} row{result.rowCount === 1 ? "" : "s"}
        </span>
        {result.truncated
          ? <span class="nb-truncated">truncated: only the first {result.rowCount.toLocaleString("en-US")} rows</span>
          : null}
        <span class="nb-elapsed">{formatMs(result.elapsedMs)}</span>
        {result.asOf !== null && result.asOf.seq !== null
          ? (
            <span
              class="nb-asof"
              data-seq={result.asOf.seq}
              title={result.asOf.topic ?? "newest over all candle topics"}
            >
              as of seq {result.asOf.seq}
              {result.asOf.time !== null ? ` · ${result.asOf.time.replace("T", " ").replace(/\.\d+Z$/, "Z")}` : ""}
            </span>
          )
          : null}
        <span class="nb-result-actions">
          <button
            type="button"
            class="nb-show-chart"
            aria-pressed={props.chartOpen}
            onClick={() => props.onChart(props.chartOpen ? null : { kind: "auto", x: null, y: null, color: null })}
          >
            {props.chartOpen ? "Hide chart" : "Chart"}
          </button>
          <button type="button" class="nb-export-csv" onClick={() => props.onExport("csv")}>CSV</button>
          <button type="button" class="nb-export-parquet" onClick={() => props.onExport("parquet")}>Parquet</button>
        </span>
      </div>
      {props.exported !== null
        ? (
          <p class="nb-exported">
            {props.exported.text}
            {props.exported.url !== null
              ? <a class="nb-export-link" href={props.exported.url} download>download</a>
              : null}
          </p>
        )
        : null}
      {props.chartOpen && props.chart !== null
        ? <ResultChart result={result} chart={props.chart} onChange={props.onChart} />
        : null}
      <ResultTable result={result} />
    </div>
  );
}

/** DuckDB's progress estimate of a run that has gone on for a second, polled twice a second; null otherwise. */
function useProgress(runKey: string | null): number | null {
  const [percent, setPercent] = useState<number | null>(null);
  useEffect(() => {
    setPercent(null);
    if (runKey === null) return;
    let stopped = false;
    let timer = setTimeout(function poll(): void {
      void progressRequest(runKey).then((value) => {
        if (stopped) return;
        setPercent(value);
        timer = setTimeout(poll, 500);
      });
    }, 1000);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [runKey]);
  return percent;
}

function statusText(status: string): string {
  switch (status) {
    case "queued":
      return "queued";
    case "running":
      return "running…";
    case "done":
      return "";
    case "error":
      return "error";
    default:
      return "not run";
  }
}

function formatMs(ms: number): string {
  return ms < 10 ? `${ms.toFixed(2)} ms` : ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

function formatBytes(bytes: number): string {
  return bytes < 1024
    ? `${bytes} B`
    : bytes < 1024 * 1024
    ? `${(bytes / 1024).toFixed(1)} KiB`
    : `${(bytes / 1048576).toFixed(1)} MiB`;
}
