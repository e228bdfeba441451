/** `terminalMetrics()`: the ingest counters and gauges and the SSE hub's stats as Prometheus families (/metrics). */
import type { IngestStats, SourceStatus } from "../ingest/protocol.ts";
import type { SseHubStats } from "../web/mod.ts";
import type { MetricFamily } from "./formatPrometheus.ts";

const COUNTERS: readonly [keyof IngestStats, string, string][] = [
  ["frames", "fluxbook_frames_total", "Frames received from the publishers."],
  ["bytes", "fluxbook_received_bytes_total", "Bytes of the frames received."],
  ["decoded", "fluxbook_decoded_total", "Frames decoded into envelopes."],
  ["duplicates", "fluxbook_duplicates_total", "Messages dropped as duplicates of one already seen."],
  ["regressions", "fluxbook_regressions_total", "Bar revisions dropped because a newer one was already seen."],
  ["staleEpochs", "fluxbook_stale_epochs_total", "Messages dropped because their epoch is older than the current one."],
  ["revisions", "fluxbook_revisions_total", "Revisions of a forming bar accepted."],
  ["candlesAccepted", "fluxbook_candles_total", "Candles accepted."],
  ["ticksAccepted", "fluxbook_ticks_total", "Ticks accepted."],
  ["tradesAccepted", "fluxbook_trades_total", "Trades accepted."],
  ["heartbeats", "fluxbook_heartbeats_total", "Heartbeats received."],
  ["gapsOpened", "fluxbook_gaps_opened_total", "Sequence gaps detected."],
  ["gapsFilled", "fluxbook_gaps_filled_total", "Sequence gaps filled by backfill."],
  ["gapsUnfillable", "fluxbook_gaps_unfillable_total", "Sequence gaps given up as unfillable."],
  ["backfillRequests", "fluxbook_backfill_requests_total", "Backfill requests sent."],
  ["backfillFrames", "fluxbook_backfill_frames_total", "Frames received in backfill replies."],
  ["rowsCommitted", "fluxbook_rows_committed_total", "Rows committed to the cache."],
  ["commits", "fluxbook_commits_total", "Transactions committed to the cache."],
  ["pausedReads", "fluxbook_paused_reads_total", "Times the socket reads paused because the ingest queue was full."],
];

export function terminalMetrics(
  stats: IngestStats,
  options: { sse: SseHubStats; sources: readonly SourceStatus[]; cacheOpen: boolean },
): MetricFamily[] {
  const { sse, sources } = options;
  const families: MetricFamily[] = COUNTERS.map(([key, name, help]) => ({
    name,
    help,
    type: "counter",
    samples: [{ value: stats[key] as number }],
  }));
  families.push({
    name: "fluxbook_rejected_total",
    help: "Frames rejected, by reason.",
    type: "counter",
    samples: Object.entries(stats.rejected).map(([reason, value]) => ({ labels: { reason }, value })),
  });
  const gauge = (name: string, help: string, value: number): MetricFamily => ({
    name,
    help,
    type: "gauge",
    samples: [{ value }],
  });
  /** A median and a p99 kept in ms, exposed in seconds as quantile-labelled gauges. */
  const quantiles = (name: string, help: string, p50Ms: number, p99Ms: number): MetricFamily => ({
    name,
    help,
    type: "gauge",
    samples: [
      { labels: { quantile: "0.5" }, value: p50Ms / 1000 },
      { labels: { quantile: "0.99" }, value: p99Ms / 1000 },
    ],
  });
  families.push(
    gauge("fluxbook_cache_open", "1 when the DuckDB cache is open.", options.cacheOpen ? 1 : 0),
    gauge("fluxbook_gaps_open", "Sequence gaps not yet filled.", stats.gapsOpen),
    gauge("fluxbook_queue_depth", "Frames waiting in the ingest queue.", stats.queueDepth),
    gauge("fluxbook_pending_rows", "Rows accepted and waiting for their commit.", stats.pendingRows),
    gauge("fluxbook_queue_capacity", "Frames the ingest queue holds before reads pause.", stats.queueCapacity),
    gauge(
      "fluxbook_ingest_lag_seconds",
      "Median receive time minus source time over recent frames.",
      stats.lagMsP50 / 1000,
    ),
    gauge("fluxbook_backfill_latency_seconds", "Median backfill round trip.", stats.backfillLatencyMsP50 / 1000),
    gauge("fluxbook_messages_per_second", "Frames received per second, recently.", stats.messagesPerSec),
    gauge("fluxbook_candles_per_second", "Candles accepted per second, recently.", stats.candlesPerSec),
    gauge(
      "fluxbook_last_commit_timestamp_seconds",
      "When the cache last committed, seconds since the Unix epoch (0: never).",
      (stats.lastCommitMs ?? 0) / 1000,
    ),
    quantiles(
      "fluxbook_commit_latency_seconds",
      "Commit latency quantiles over recent commits.",
      stats.commitLatencyMsP50,
      stats.commitLatencyMsP99,
    ),
    quantiles(
      "fluxbook_publish_to_commit_seconds",
      "Source time to committed in the cache, quantiles over recent frames.",
      stats.publishToCommitMsP50,
      stats.publishToCommitMsP99,
    ),
    {
      name: "fluxbook_source_up",
      help: "1 when the publisher is live, 0 otherwise; `state` names the connection state.",
      type: "gauge",
      samples: sources.map((source) => ({
        labels: { endpoint: source.endpoint, state: source.state },
        value: source.state === "live" || source.state === "backfilling" ? 1 : 0,
      })),
    },
    gauge("fluxbook_sse_clients", "Browser tabs connected to the event stream.", sse.clients),
    gauge("fluxbook_sse_buffered_bytes", "Bytes held for all event-stream clients.", sse.bufferedBytes),
    gauge("fluxbook_sse_max_client_buffered_bytes", "Bytes held for the slowest client.", sse.maxClientBufferedBytes),
    {
      name: "fluxbook_sse_events_total",
      help: "Events sent to clients.",
      type: "counter",
      samples: [{ value: sse.eventsSent }],
    },
    {
      name: "fluxbook_sse_coalesced_total",
      help: "Updates replaced by a newer one before a slow client read them.",
      type: "counter",
      samples: [{ value: sse.coalesced }],
    },
    {
      name: "fluxbook_sse_dropped_clients_total",
      help: "Clients dropped for not reading.",
      type: "counter",
      samples: [{ value: sse.droppedClients }],
    },
    {
      name: "fluxbook_sse_rejected_total",
      help: "Publishes refused (bad key or value).",
      type: "counter",
      samples: [{ value: sse.rejected }],
    },
  );
  return families;
}
