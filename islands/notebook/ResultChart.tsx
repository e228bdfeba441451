/**
 * A result as an Observable Plot chart, with pickers for the chart kind and the x, y and colour columns.
 * Plot is imported when a chart is first shown (its own bundle chunk); planChart.ts decides what is drawn.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import type { VNode } from "preact";
import { type CellChart, CHART_KINDS, type ChartKind } from "../../core/notebook/notebookFile.ts";
import type { QueryResult } from "../../core/notebook/notebookTypes.ts";
import { type ChartPlan, chartRows, planChart } from "./planChart.ts";

export interface ResultChartProps {
  result: QueryResult;
  chart: CellChart;
  onChange(chart: CellChart): void;
}

export function ResultChart(props: ResultChartProps): VNode {
  const { result, chart } = props;
  const target = useRef<HTMLDivElement>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const plan = planChart(result.columns, chart);
  const names = result.columns.map((c) => c.name);

  useEffect(() => {
    let disposed = false;
    if (plan.problem !== null) {
      setProblem(plan.problem);
      target.current?.replaceChildren();
      return;
    }
    import("@observablehq/plot").then((Plot) => {
      if (disposed || target.current === null) return;
      const figure = draw(Plot, plan, chartRows(result), target.current.clientWidth || 640);
      target.current.replaceChildren(figure);
      setProblem(null);
    }).catch((error) => setProblem(`Cannot draw the chart: ${String(error)}`));
    return () => {
      disposed = true;
    };
  }, [result, plan.kind, plan.x, plan.y, plan.color]);

  const picker = (label: string, key: "x" | "y" | "color", value: string | null): VNode => (
    <label class="nb-pick">
      {label}
      <select
        class={`nb-pick-${key}`}
        value={value ?? ""}
        onChange={(event) => props.onChange({ ...chart, [key]: (event.target as HTMLSelectElement).value || null })}
      >
        <option value="">{key === "color" ? "none" : "auto"}</option>
        {names.map((name) => <option key={name} value={name}>{name}</option>)}
      </select>
    </label>
  );

  return (
    <div class="nb-chart">
      <div class="nb-chart-controls">
        <label class="nb-pick">
          chart
          <select
            class="nb-pick-kind"
            value={chart.kind}
            onChange={(event) =>
              props.onChange({ ...chart, kind: (event.target as HTMLSelectElement).value as ChartKind })}
          >
            {CHART_KINDS.map((kind) => <option key={kind} value={kind}>{kind}</option>)}
          </select>
        </label>
        {plan.kind === "candlestick" ? picker("x", "x", chart.x) : (
          <>
            {picker("x", "x", chart.x)}
            {picker("y", "y", chart.y)}
            {picker("colour", "color", chart.color)}
          </>
        )}
        <span class="nb-chart-plan">
          {plan.kind}
          {plan.kind === "candlestick" ? "" : ` of ${plan.y ?? "?"} by ${plan.x ?? "?"}`}
        </span>
      </div>
      {problem !== null ? <p class="nb-chart-problem">{problem}</p> : null}
      <div ref={target} class="nb-chart-figure" data-kind={plan.kind} />
    </div>
  );
}

type PlotModule = typeof import("@observablehq/plot");

function draw(Plot: PlotModule, plan: ChartPlan, rows: Record<string, unknown>[], width: number): Element {
  const common = { width: Math.max(320, width), height: 320, marginLeft: 60, grid: true };
  switch (plan.kind) {
    case "candlestick": {
      const { open, high, low, close } = plan.ohlc!;
      return Plot.plot({
        ...common,
        color: { domain: [-1, 0, 1], range: ["#e5484d", "#8b8d98", "#30a46c"] },
        marks: [
          Plot.ruleX(rows, { x: plan.x!, y1: low, y2: high }),
          Plot.ruleX(rows, {
            x: plan.x!,
            y1: open,
            y2: close,
            stroke: (d: Record<string, number>) => Math.sign(d[close] - d[open]),
            strokeWidth: 4,
            strokeLinecap: "round",
          }),
        ],
      });
    }
    case "line":
      return Plot.plot({
        ...common,
        color: { legend: plan.color !== null },
        marks: [Plot.lineY(rows, { x: plan.x!, y: plan.y!, stroke: plan.color ?? undefined })],
      });
    case "bar":
      return Plot.plot({
        ...common,
        color: { legend: plan.color !== null },
        marks: [Plot.barY(rows, { x: plan.x!, y: plan.y!, fill: plan.color ?? undefined }), Plot.ruleY([0])],
      });
    case "dot":
      return Plot.plot({
        ...common,
        color: { legend: plan.color !== null },
        marks: [Plot.dot(rows, { x: plan.x!, y: plan.y!, stroke: plan.color ?? undefined })],
      });
  }
}
