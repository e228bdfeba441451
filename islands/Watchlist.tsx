/**
 * The watchlist: symbol search over the universe (prefix and fuzzy, ranked by the server) with keyboard
 * navigation and Enter to add; rows with last price, change against the previous session's close, change %, volume;
 * a flash on every price change and a stale badge (no update for `staleAfterMs` on an intraday symbol, or a source
 * that is stale or offline); sort by any column; remove with ×. Selecting a row drives the chart through the shared
 * `selected` signal. The list is saved on the server (POST /api/watchlist), so it survives reloads and restarts.
 */
import { type Signal, useComputed, useSignal, useSignalEffect } from "@preact/signals";
import { useEffect, useRef } from "preact/hooks";
import type { SymbolHit } from "../core/terminal/createSymbolIndex.ts";
import type { Quote } from "../core/terminal/quoteOf.ts";
import type { StatusSnapshot } from "../core/terminal/statusSnapshot.ts";
import type { WatchlistRow } from "../core/terminal/watchlistRow.ts";
import { formatPercent, formatPrice, formatSigned, formatVolume, priceDecimals } from "./terminal/format.ts";
import { subscribe } from "./terminal/liveStream.ts";

export interface WatchlistProps {
  selected: Signal<string>;
  rows: WatchlistRow[];
  /** A symbol with intraday bars and no quote for this long is marked stale. */
  staleAfterMs: number;
}

type SortKey = "symbol" | "name" | "last" | "change" | "changePct" | "volume";
type Sort = { key: SortKey; dir: 1 | -1 } | null;

const COLUMNS: readonly { key: SortKey; label: string; numeric: boolean }[] = [
  { key: "symbol", label: "Symbol", numeric: false },
  { key: "name", label: "Name", numeric: false },
  { key: "last", label: "Last", numeric: true },
  { key: "change", label: "Chg", numeric: true },
  { key: "changePct", label: "Chg%", numeric: true },
  { key: "volume", label: "Vol", numeric: true },
];

const INTRADAY = new Set(["1m", "5m", "15m", "1h", "4h"]);

export default function Watchlist(props: WatchlistProps) {
  const rows = useSignal<WatchlistRow[]>(props.rows);
  const sort = useSignal<Sort>(null);
  const query = useSignal("");
  const hits = useSignal<SymbolHit[]>([]);
  const listOpen = useSignal(false);
  const active = useSignal(0);
  const flashes = useSignal<Record<string, string>>({});
  const now = useSignal(Date.now());
  const sourcesStale = useSignal(false);
  const message = useSignal<string | null>(null);
  const updatedAt = useRef(new Map<string, number>());
  const loadedAt = useRef(Date.now());
  const searchSeq = useRef(0);
  const searchTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const symbols = useComputed(() => rows.value.map((row) => row.symbol).join(","));

  useEffect(() => {
    const tick = setInterval(() => now.value = Date.now(), 1000);
    const stopStatus = subscribe("status", (data) => {
      const status = data as StatusSnapshot;
      sourcesStale.value = status.sources.some((source) => source.state === "stale" || source.state === "offline");
    });
    return () => {
      clearInterval(tick);
      stopStatus();
    };
  }, []);

  // One `quote:` key per row; resubscribed only when the set of symbols changes, not on every quote.
  useSignalEffect(() => {
    const list = symbols.value === "" ? [] : symbols.value.split(",");
    const stops = list.map((symbol) => subscribe(`quote:${symbol}`, (data) => applyQuote(data as Quote)));
    return () => stops.forEach((stop) => stop());
  });

  function applyQuote(quote: Quote): void {
    updatedAt.current.set(quote.symbol, Date.now());
    const list = rows.peek();
    const index = list.findIndex((row) => row.symbol === quote.symbol);
    if (index < 0) return;
    const before = list[index].quote;
    if (before !== null && before.last !== quote.last) {
      // Two class names with the same animation: switching between them restarts it on every change.
      const previous = flashes.peek()[quote.symbol] ?? "";
      const direction = quote.last > before.last ? "up" : "down";
      const phase = previous.endsWith("a") ? "b" : "a";
      flashes.value = { ...flashes.peek(), [quote.symbol]: `flash-${direction}-${phase}` };
    }
    const next = list.slice();
    next[index] = { ...list[index], quote };
    rows.value = next;
  }

  async function save(list: readonly string[]): Promise<void> {
    const response = await fetch("/api/watchlist", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ symbols: list }),
    });
    if (!response.ok) {
      const body = await response.json().catch(() => ({}));
      message.value = `Could not save the watchlist: ${(body as { error?: string }).error ?? response.status}`;
    }
  }

  async function add(symbol: string, name: string): Promise<void> {
    query.value = "";
    hits.value = [];
    listOpen.value = false;
    if (rows.peek().some((row) => row.symbol === symbol)) {
      props.selected.value = symbol;
      return;
    }
    if (rows.peek().length >= 200) {
      message.value = "A watchlist holds at most 200 symbols";
      return;
    }
    message.value = null;
    rows.value = [...rows.peek(), { symbol, name, tickSize: null, quote: null }];
    await save(rows.peek().map((row) => row.symbol));
    const response = await fetch(`/api/quotes?symbols=${encodeURIComponent(symbol)}`);
    if (!response.ok) return;
    const [fresh] = ((await response.json()) as { rows: WatchlistRow[] }).rows;
    rows.value = rows.peek().map((row) => row.symbol === symbol ? { ...fresh, quote: row.quote ?? fresh.quote } : row);
  }

  function remove(symbol: string): void {
    const next = rows.peek().filter((row) => row.symbol !== symbol);
    rows.value = next;
    if (props.selected.peek() === symbol && next.length > 0) props.selected.value = next[0].symbol;
    void save(next.map((row) => row.symbol));
  }

  function search(text: string): void {
    query.value = text;
    active.value = 0;
    if (searchTimer.current !== null) clearTimeout(searchTimer.current);
    if (text.trim() === "") {
      hits.value = [];
      listOpen.value = false;
      return;
    }
    searchTimer.current = setTimeout(async () => {
      const seq = ++searchSeq.current;
      const response = await fetch(`/api/symbols?q=${encodeURIComponent(text.slice(0, 64))}&limit=12`);
      if (seq !== searchSeq.current || !response.ok) return;
      hits.value = ((await response.json()) as { hits: SymbolHit[] }).hits;
      listOpen.value = true;
    }, 60);
  }

  function onSearchKey(event: KeyboardEvent): void {
    const list = hits.peek();
    switch (event.key) {
      case "ArrowDown":
        event.preventDefault();
        listOpen.value = true;
        active.value = list.length === 0 ? 0 : (active.peek() + 1) % list.length;
        break;
      case "ArrowUp":
        event.preventDefault();
        active.value = list.length === 0 ? 0 : (active.peek() - 1 + list.length) % list.length;
        break;
      case "Enter": {
        event.preventDefault();
        const hit = list[active.peek()];
        if (hit !== undefined) void add(hit.symbol, hit.name);
        break;
      }
      case "Escape":
        query.value = "";
        hits.value = [];
        listOpen.value = false;
        break;
    }
  }

  function sortBy(key: SortKey): void {
    const current = sort.peek();
    sort.value = current?.key !== key ? { key, dir: 1 } : current.dir === 1 ? { key, dir: -1 } : null;
  }

  const current = sort.value;
  const shown = current === null
    ? rows.value
    : rows.value.slice().sort((a, b) => compare(a, b, current.key, current.dir));
  const nowMs = now.value;
  const selected = props.selected.value;
  return (
    <section class="watchlist">
      <div class="wl-search">
        <input
          type="search"
          placeholder="Add symbol — search by ticker or name"
          aria-label="Search symbols"
          aria-expanded={listOpen.value && hits.value.length > 0}
          aria-controls="wl-hits"
          autocomplete="off"
          spellcheck={false}
          value={query.value}
          onInput={(event) => search((event.target as HTMLInputElement).value)}
          onKeyDown={onSearchKey}
          onBlur={() => setTimeout(() => listOpen.value = false, 150)}
          onFocus={() => listOpen.value = hits.peek().length > 0}
        />
        {listOpen.value && hits.value.length > 0
          ? (
            <ul id="wl-hits" class="wl-hits" role="listbox">
              {hits.value.map((hit, i) => (
                <li
                  key={hit.symbol}
                  role="option"
                  aria-selected={i === active.value}
                  class={i === active.value ? "active" : ""}
                  data-symbol={hit.symbol}
                  onMouseDown={(event) => {
                    event.preventDefault();
                    void add(hit.symbol, hit.name);
                  }}
                  onMouseEnter={() => active.value = i}
                >
                  <b>{hit.symbol}</b>
                  <span class="hit-name">{hit.name}</span>
                  <span class="hit-class">{hit.assetClass}</span>
                  {hit.live ? <i class="live-dot" title="live data" /> : null}
                </li>
              ))}
            </ul>
          )
          : null}
      </div>
      {message.value !== null ? <p class="wl-message">{message.value}</p> : null}
      <div class="wl-scroll">
        <table class="wl-table">
          <colgroup>
            <col class="c-sym" />
            <col class="c-name" />
            <col class="c-last" />
            <col class="c-chg" />
            <col class="c-pct" />
            <col class="c-vol" />
            <col class="c-x" />
          </colgroup>
          <thead>
            <tr>
              {COLUMNS.map((column) => (
                <th
                  key={column.key}
                  class={column.numeric ? "num" : ""}
                  aria-sort={current?.key !== column.key ? "none" : current.dir === 1 ? "ascending" : "descending"}
                  data-sort={column.key}
                  onClick={() => sortBy(column.key)}
                >
                  {column.label}
                  {current?.key === column.key ? <span class="sort-mark">{current.dir === 1 ? "▲" : "▼"}</span> : null}
                </th>
              ))}
              <th aria-label="Remove" />
            </tr>
          </thead>
          <tbody>
            {shown.map((row) => {
              const quote = row.quote;
              const decimals = priceDecimals(quote?.last ?? 1, row.tickSize ?? undefined);
              const direction = quote === null || quote.change === 0 ? "" : quote.change > 0 ? "up" : "down";
              const lastUpdate = updatedAt.current.get(row.symbol) ?? loadedAt.current;
              const stale = quote !== null &&
                (sourcesStale.value || (INTRADAY.has(quote.interval) && nowMs - lastUpdate > props.staleAfterMs));
              return (
                <tr
                  key={row.symbol}
                  class={row.symbol === selected ? "selected" : ""}
                  data-symbol={row.symbol}
                  aria-selected={row.symbol === selected}
                  onClick={() => props.selected.value = row.symbol}
                >
                  <td class="sym">
                    {row.symbol}
                    {stale ? <span class="badge stale" title="no update lately">stale</span> : null}
                    {quote === null ? <span class="badge nodata">no data</span> : null}
                  </td>
                  <td class="name" title={row.name}>{row.name}</td>
                  <td class={`num last ${flashes.value[row.symbol] ?? ""}`}>
                    {quote === null ? "—" : formatPrice(quote.last, decimals)}
                  </td>
                  <td class={`num ${direction}`}>{quote === null ? "" : formatSigned(quote.change, decimals)}</td>
                  <td class={`num ${direction}`}>{quote === null ? "" : formatPercent(quote.changePct)}</td>
                  <td class="num vol">{quote === null ? "" : formatVolume(quote.volume)}</td>
                  <td class="x">
                    <button
                      type="button"
                      class="remove"
                      aria-label={`Remove ${row.symbol}`}
                      title={`Remove ${row.symbol}`}
                      onClick={(event) => {
                        event.stopPropagation();
                        remove(row.symbol);
                      }}
                    >
                      ×
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
        {rows.value.length === 0 ? <p class="wl-empty">Empty — add symbols with the search box above.</p> : null}
      </div>
    </section>
  );
}

function compare(a: WatchlistRow, b: WatchlistRow, key: SortKey, dir: 1 | -1): number {
  switch (key) {
    case "symbol":
      return a.symbol.localeCompare(b.symbol) * dir;
    case "name":
      return a.name.localeCompare(b.name) * dir;
    default: {
      // Rows without data sort last either way round.
      const x = a.quote?.[key] ?? null;
      const y = b.quote?.[key] ?? null;
      if (x === null || y === null) return x === null ? (y === null ? 0 : 1) : -1;
      return (x - y) * dir;
    }
  }
}
