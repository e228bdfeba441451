/**
 * Tells browsers that the cache changed, so live cells can re-run: whenever the ingest's commit counter moves
 * (the worker pushes its stats every ~500 ms), one `notebook.commits` SSE event goes out with the symbols whose
 * candles arrived since the last one. Live cells re-run on these, each at most every N ms.
 *
 * The candle listener sees bars as the pipeline accepts them, slightly before their commit; the commit counter
 * is what says they are in the cache, so the notice waits for it.
 */
import type { ReadonlySignal } from "@preact/signals-core";
import type { CandleUpdate, IngestStats } from "../ingest/protocol.ts";

export const COMMITS_KEY = "notebook.commits";

export interface CommitNotice {
  /** Commits so far (the ingest's counter). */
  commits: number;
  rowsCommitted: number;
  lastCommitMs: number | null;
  /** Symbols with candles since the previous notice, sorted. */
  symbols: string[];
}

export interface CommitSource {
  stats: ReadonlySignal<IngestStats>;
  onCandles(listener: (updates: readonly CandleUpdate[]) => void): () => void;
}

/** Returns the stop function. */
export function startCommitNotices(source: CommitSource, publish: (notice: CommitNotice) => void): () => void {
  let symbols = new Set<string>();
  let lastCommits = source.stats.peek().commits;
  const stopCandles = source.onCandles((updates) => {
    for (const update of updates) symbols.add(update.symbol);
  });
  const stopStats = source.stats.subscribe((stats) => {
    if (stats.commits === lastCommits) return;
    lastCommits = stats.commits;
    const notice: CommitNotice = {
      commits: stats.commits,
      rowsCommitted: stats.rowsCommitted,
      lastCommitMs: stats.lastCommitMs,
      symbols: [...symbols].sort(),
    };
    symbols = new Set();
    publish(notice);
  });
  return () => {
    stopCandles();
    stopStats();
  };
}
