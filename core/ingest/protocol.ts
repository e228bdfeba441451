/**
 * Messages between the main thread (HTTP, SSE, signals) and the ingest worker (ZeroMQ, pipeline, DuckDB).
 * The DuckDB appender is synchronous and blocks its thread while it flushes, so everything that touches
 * the socket or the database runs in the worker and the main thread only ever sees these plain values.
 */
import type { Candle } from "../wire/types.ts";
import type { AppConfig } from "../config.ts";

/** Connection state of one publisher, as the status bar shows it. */
export type ConnState = "connecting" | "live" | "stale" | "backfilling" | "offline";

export interface SourceStatus {
  endpoint: string;
  state: ConnState;
  detail: string;
  /** Epoch of the publisher's current session, as a decimal string (it is a u64). */
  epoch: string | null;
  sinceMs: number;
}

/** Counters and gauges of the ingest core; counters only grow. */
export interface IngestStats {
  frames: number;
  bytes: number;
  decoded: number;
  rejected: Record<string, number>;
  duplicates: number;
  regressions: number;
  staleEpochs: number;
  revisions: number;
  candlesAccepted: number;
  ticksAccepted: number;
  tradesAccepted: number;
  heartbeats: number;
  gapsOpened: number;
  gapsFilled: number;
  gapsUnfillable: number;
  gapsOpen: number;
  backfillRequests: number;
  backfillFrames: number;
  backfillLatencyMsP50: number;
  rowsCommitted: number;
  commits: number;
  commitLatencyMsP50: number;
  commitLatencyMsP99: number;
  lastCommitMs: number | null;
  /** Why commits are failing right now (disk full, unwritable file…), or null while they succeed. */
  commitError: string | null;
  queueDepth: number;
  /** Rows accepted by the pipeline and not yet committed. */
  pendingRows: number;
  queueCapacity: number;
  pausedReads: number;
  /** Median receive-time minus source-time over recent frames, ms. */
  lagMsP50: number;
  /** Source time to committed in the cache, over recent frames, ms. */
  publishToCommitMsP50: number;
  publishToCommitMsP99: number;
  messagesPerSec: number;
  candlesPerSec: number;
}

export interface CandleUpdate {
  key: string;
  symbol: string;
  interval: string;
  candle: Candle;
  partial: boolean;
}

export interface Progress {
  id: string;
  label: string;
  done: number;
  total: number | null;
  unit: string;
}

export type ToWorker =
  | { type: "start"; config: AppConfig }
  | { type: "request"; id: number; method: string; params: unknown }
  | { type: "stop" };

export type FromWorker =
  | { type: "ready"; series: { key: string; candles: Candle[] }[] }
  | { type: "candles"; updates: CandleUpdate[] }
  | { type: "sources"; sources: SourceStatus[] }
  | { type: "stats"; stats: IngestStats }
  | { type: "progress"; progress: Progress[] }
  | { type: "replay"; updates: CandleUpdate[]; progress: Progress }
  | { type: "response"; id: number; ok: true; value: unknown }
  | { type: "response"; id: number; ok: false; error: string; status: number }
  | { type: "fatal"; message: string }
  | { type: "stopped" };

export function emptyStats(): IngestStats {
  return {
    frames: 0,
    bytes: 0,
    decoded: 0,
    rejected: {},
    duplicates: 0,
    regressions: 0,
    staleEpochs: 0,
    revisions: 0,
    candlesAccepted: 0,
    ticksAccepted: 0,
    tradesAccepted: 0,
    heartbeats: 0,
    gapsOpened: 0,
    gapsFilled: 0,
    gapsUnfillable: 0,
    gapsOpen: 0,
    backfillRequests: 0,
    backfillFrames: 0,
    backfillLatencyMsP50: 0,
    rowsCommitted: 0,
    commits: 0,
    commitLatencyMsP50: 0,
    commitLatencyMsP99: 0,
    lastCommitMs: null,
    commitError: null,
    queueDepth: 0,
    pendingRows: 0,
    queueCapacity: 0,
    pausedReads: 0,
    lagMsP50: 0,
    publishToCommitMsP50: 0,
    publishToCommitMsP99: 0,
    messagesPerSec: 0,
    candlesPerSec: 0,
  };
}
