/**
 * The app's inputs to the notebook — $symbol, $interval, $from, $to — as pickers. They follow the terminal's
 * selection while "follow terminal" is on (see Notebook.tsx for the channel); each change re-runs the cells
 * that use the changed parameter and is written to the page URL, so a reload or a shared link keeps it.
 */
import type { VNode } from "preact";
import type { Params } from "../../core/notebook/notebookTypes.ts";

export interface ParamBarProps {
  params: Params;
  /** Cached streams as `${symbol}|${interval}`. */
  streams: readonly string[];
  follow: boolean;
  onFollow(follow: boolean): void;
  onChange(changes: Params): void;
}

export function ParamBar(props: ParamBarProps): VNode {
  const { params } = props;
  const symbols = [...new Set(props.streams.map((key) => key.split("|")[0]))].sort();
  const intervals = [
    ...new Set(props.streams.filter((key) => key.startsWith(`${params.symbol}|`)).map((key) => key.split("|")[1])),
  ];
  for (const interval of ["1m", "5m", "15m", "1h", "4h", "1d"]) {
    if (!intervals.includes(interval)) intervals.push(interval);
  }
  const text = (value: unknown): string =>
    typeof value === "string" ? value : value === null || value === undefined ? "" : String(value);
  const orNull = (value: string): string | null => value.trim() === "" ? null : value.trim();

  return (
    <form class="nb-params" onSubmit={(event) => event.preventDefault()}>
      <label>
        $symbol
        <input
          class="nb-param-symbol"
          list="nb-symbols"
          value={text(params.symbol)}
          size={10}
          onChange={(event) => props.onChange({ symbol: orNull((event.target as HTMLInputElement).value) })}
        />
        <datalist id="nb-symbols">{symbols.map((s) => <option key={s} value={s} />)}</datalist>
      </label>
      <label>
        $interval
        <select
          class="nb-param-interval"
          value={text(params.interval)}
          onChange={(event) => props.onChange({ interval: (event.target as HTMLSelectElement).value })}
        >
          {intervals.map((interval) => <option key={interval} value={interval}>{interval}</option>)}
        </select>
      </label>
      <label title="ISO 8601, UTC (empty: no lower bound)">
        $from
        <input
          class="nb-param-from"
          placeholder="2024-01-02T00:00:00Z"
          value={text(params.from)}
          size={22}
          onChange={(event) => props.onChange({ from: orNull((event.target as HTMLInputElement).value) })}
        />
      </label>
      <label title="ISO 8601, UTC (empty: no upper bound)">
        $to
        <input
          class="nb-param-to"
          placeholder="2024-01-03T00:00:00Z"
          value={text(params.to)}
          size={22}
          onChange={(event) => props.onChange({ to: orNull((event.target as HTMLInputElement).value) })}
        />
      </label>
      <label class="nb-follow" title="Follow the terminal's watchlist selection and chart range">
        <input
          type="checkbox"
          class="nb-param-follow"
          checked={props.follow}
          onChange={(event) => props.onFollow((event.target as HTMLInputElement).checked)}
        />
        follow terminal
      </label>
    </form>
  );
}
