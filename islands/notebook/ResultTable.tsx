/**
 * A result as a table: pages of 50 rows and sorting by a column (click its header; again to reverse). Sorting
 * happens here, over the rows the server returned: when the result was cut at the row cap the notice says so.
 */
import { useMemo, useState } from "preact/hooks";
import type { VNode } from "preact";
import type { QueryResult } from "../../core/notebook/notebookTypes.ts";
import { isNumericType } from "./planChart.ts";

const PAGE_ROWS = 50;

export function ResultTable(props: { result: QueryResult }): VNode {
  const { result } = props;
  const [sort, setSort] = useState<{ column: number; descending: boolean } | null>(null);
  const [page, setPage] = useState(0);
  const rows = useMemo(() => {
    if (sort === null) return result.rows;
    const numeric = isNumericType(result.columns[sort.column]?.type ?? "");
    const sorted = [...result.rows].sort((a, b) => compare(a[sort.column], b[sort.column], numeric));
    return sort.descending ? sorted.reverse() : sorted;
  }, [result, sort]);
  const pages = Math.max(1, Math.ceil(rows.length / PAGE_ROWS));
  const current = Math.min(page, pages - 1);
  const shown = rows.slice(current * PAGE_ROWS, (current + 1) * PAGE_ROWS);

  return (
    <div class="nb-table-wrap">
      <table class="nb-table">
        <thead>
          <tr>
            {result.columns.map((column, i) => (
              <th
                key={i}
                title={column.type}
                aria-sort={sort?.column === i ? (sort.descending ? "descending" : "ascending") : undefined}
                onClick={() => {
                  setSort(
                    sort?.column === i ? { column: i, descending: !sort.descending } : { column: i, descending: false },
                  );
                  setPage(0);
                }}
              >
                {column.name}
                <span class="nb-type">{column.type}</span>
                {sort?.column === i ? <span class="nb-sort">{sort.descending ? "▼" : "▲"}</span> : null}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {shown.map((row, r) => (
            <tr key={current * PAGE_ROWS + r}>
              {row.map((value, c) => {
                const type = result.columns[c]?.type ?? "";
                const text = format(value, type);
                return (
                  <td
                    key={c}
                    class={isNumericType(type) ? "nb-num" : undefined}
                    title={text === format(value, "") ? undefined : format(value, "")}
                  >
                    {text}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
      {pages > 1
        ? (
          <div class="nb-pager">
            <button type="button" disabled={current === 0} onClick={() => setPage(current - 1)}>‹ Prev</button>
            <span class="nb-page-of">page {current + 1} of {pages}</span>
            <button type="button" disabled={current >= pages - 1} onClick={() => setPage(current + 1)}>Next ›</button>
          </div>
        )
        : null}
    </div>
  );
}

function compare(a: unknown, b: unknown, numeric: boolean): number {
  if (a === null || a === undefined) return b === null || b === undefined ? 0 : 1;
  if (b === null || b === undefined) return -1;
  if (numeric) return Number(a) - Number(b);
  return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
}

/** Doubles are shown to 10 significant digits (the cell's title has them all); everything else as it came. */
function format(value: unknown, type: string): string {
  if (value === null || value === undefined) return "NULL";
  if (typeof value === "object") return JSON.stringify(value);
  if (typeof value === "number" && (type === "DOUBLE" || type === "FLOAT") && !Number.isInteger(value)) {
    return String(Number(value.toPrecision(10)));
  }
  return String(value);
}
