/** `statusSnapshot()`: what the status bar and `/api/health` show, from the ingest client's signals and the hub. */
import type { IngestClient } from "../ingest/ingestClient.ts";
import type { Progress, SourceStatus } from "../ingest/protocol.ts";
import type { SseHub, SseHubStats } from "../web/mod.ts";

export interface StatusSnapshot {
  /** Server clock when taken, ms: the browser shows its age as the UI lag. */
  nowMs: number;
  sources: readonly SourceStatus[];
  messagesPerSec: number;
  candlesPerSec: number;
  /** Median publisher-to-ingest lag, ms. */
  lagMsP50: number;
  gapsOpen: number;
  gapsUnfillable: number;
  lastCommitMs: number | null;
  rowsCommitted: number;
  commitLatencyMsP99: number;
  queueDepth: number;
  progress: readonly Progress[];
  sse: SseHubStats;
}

export function statusSnapshot(
  ingest: Pick<IngestClient, "sources" | "stats" | "progress">,
  hub: SseHub,
): StatusSnapshot {
  const stats = ingest.stats.peek();
  return {
    nowMs: Date.now(),
    sources: ingest.sources.peek(),
    messagesPerSec: stats.messagesPerSec,
    candlesPerSec: stats.candlesPerSec,
    lagMsP50: stats.lagMsP50,
    gapsOpen: stats.gapsOpen,
    gapsUnfillable: stats.gapsUnfillable,
    lastCommitMs: stats.lastCommitMs,
    rowsCommitted: stats.rowsCommitted,
    commitLatencyMsP99: stats.commitLatencyMsP99,
    queueDepth: stats.queueDepth,
    progress: ingest.progress.peek(),
    sse: hub.stats(),
  };
}
