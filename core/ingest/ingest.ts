/**
 * `startIngest()`: the unified loader. Opens the DuckDB cache, resumes the sequencer and the deduper from it,
 * hands the newest bars to the caller (the UI can render at once), then subscribes to every publisher and
 * writes everything through: frames → bounded queue → pipeline → one transaction per batch.
 *
 * The socket loop never awaits the database: it only pushes into the queue and is paused when the queue is
 * full, so libzmq drops at the high-water mark and every loss comes back as a seq gap that is backfilled.
 */
import { setImmediate } from "node:timers";
import type { AppConfig } from "../config.ts";
import type { Logger } from "../log.ts";
import { type BackfillClient, createBackfillClient } from "./backfillClient.ts";
import { createDeduper } from "./dedupe.ts";
import { isFatalStoreError } from "./fatalStoreError.ts";
import { parseInterval } from "./interval.ts";
import { createPipeline, type PipelineBatch, type PipelineItem } from "./pipeline.ts";
import {
  type CandleUpdate,
  type ConnState,
  emptyStats,
  type IngestStats,
  type Progress,
  type SourceStatus,
} from "./protocol.ts";
import { holdsForRowGroup, ROW_GROUP_ROWS } from "./rowGroupHold.ts";
import { createSequencer, type OpenGap } from "./sequencer.ts";
import { openStore, type Store } from "./store.ts";
import type { GapState, GapUpsert, StoreBatch } from "./storeBatch.ts";
import { startSubscriber, type Subscriber } from "./subscriber.ts";
import type { Candle } from "../wire/types.ts";

export type IngestConfig = Pick<
  AppConfig,
  | "pubEndpoints"
  | "reqEndpoints"
  | "topics"
  | "db"
  | "highWaterMark"
  | "heartbeatTimeoutMs"
  | "backoffInitialMs"
  | "backoffMaxMs"
  | "windowCapacity"
  | "flushRows"
  | "flushMs"
>;

export interface IngestHooks {
  logger: Logger;
  /** The newest bars of every cached stream, right after the cache opened. */
  onReady?(series: { key: string; candles: Candle[] }[]): void;
  /** Bars accepted by the pipeline (new bars and revisions), before they are committed. */
  onCandles?(updates: CandleUpdate[]): void;
  onSources?(sources: SourceStatus[]): void;
  onStats?(stats: IngestStats): void;
  onProgress?(progress: Progress[]): void;
  /** After each commit, with what it wrote; tests and live notebook cells use it. */
  onCommit?(info: { rows: number; lastCommitMs: number }): void;
}

export interface IngestTuning {
  /** Frames the queue holds before the socket loop pauses. */
  queueCapacity: number;
  /** A gap waits this long before it is backfilled, so reordered frames can fill it first. */
  gapGraceMs: number;
  /** Most seqs asked for in one backfill request. */
  backfillChunk: number;
  /** Backfill attempts per gap before it is `unfillable`. */
  backfillAttempts: number;
  /** Bars of history fetched by time for a stream seen for the first time, beyond what `lateJoinSeqs` covers. */
  warmupBars: number;
  /** Seqs before the first one seen of a new stream that are fetched by seq (a persisted gap). */
  lateJoinSeqs: number;
  checkpointMs: number;
  compactMs: number;
  statsMs: number;
  /** A one-line summary of the counters is logged at info this often. */
  summaryMs: number;
  /** Delay injected before each commit (tests of a slow store). */
  commitDelayMs: number;
  /** Most rows in one commit: a backlog is committed in transactions of this size (see pipeline.ts). */
  maxBatchRows: number;
  /**
   * Rows the pipeline may hold for the store: beyond this, the queue is not drained until commits catch up, so it
   * fills, the reader pauses and libzmq drops at the high-water mark (losses come back as gaps). Bounds memory
   * when the store is slower than the feed.
   */
  maxPendingRows: number;
  /**
   * A due batch smaller than this (one DuckDB row group) waits for it, at most `backlogHoldMs` past due, when the
   * feed would fill it by then: see rowGroupHold.ts. `backlogHoldMs: 0` commits every batch when due.
   */
  backlogBatchRows: number;
  backlogHoldMs: number;
}

export const DEFAULT_TUNING: IngestTuning = {
  queueCapacity: 4096,
  gapGraceMs: 150,
  backfillChunk: 2000,
  backfillAttempts: 5,
  warmupBars: 500,
  lateJoinSeqs: 5000,
  checkpointMs: 60_000,
  compactMs: 60_000,
  statsMs: 500,
  summaryMs: 30_000,
  commitDelayMs: 0,
  maxBatchRows: 131_072,
  maxPendingRows: 4 * 131_072,
  backlogBatchRows: ROW_GROUP_ROWS,
  backlogHoldMs: 250,
};

export interface Ingest {
  readonly store: Store;
  stats(): IngestStats;
  /** Commits whatever is pending now. */
  flush(): Promise<void>;
  /** Stops the subscribers, drains the queue, commits, compacts, checkpoints and closes the cache. */
  stop(): Promise<void>;
}

interface Feed {
  index: number;
  pubEndpoint: string;
  subscriber: Subscriber | null;
  backfill: BackfillClient;
  state: ConnState;
  detail: string;
  sinceMs: number;
  epoch: bigint | null;
  /** Backfill requests in flight or queued for this feed. */
  backfills: number;
}

/** A gap as the ingest tracks it: the row in `gaps` plus which feed can fill it. */
interface TrackedGap {
  gap: OpenGap;
  feed: Feed;
  state: GapState;
  attempts: number;
  reason?: string;
  /** Not before this time (grace period, then retry backoff). */
  dueMs: number;
  inFlight: boolean;
}

export async function startIngest(
  config: IngestConfig,
  hooks: IngestHooks,
  tuning: Partial<IngestTuning> = {},
): Promise<Ingest> {
  const tune = { ...DEFAULT_TUNING, ...tuning };
  const log = hooks.logger;
  const store = await openStore(config.db, { logger: log.child("store") });
  const stats = emptyStats();
  stats.queueCapacity = tune.queueCapacity;

  // ---- resume ------------------------------------------------------------------------------------------------
  const sequencer = createSequencer({ lateJoinSeqs: tune.lateJoinSeqs });
  const deduper = createDeduper({ retainBars: Math.max(4096, config.windowCapacity) });
  const [cursors, storedGaps, epochs] = await Promise.all([
    store.loadCursors(),
    store.openGaps(),
    store.loadEpochs(),
  ]);
  sequencer.restore(cursors, { gaps: storedGaps, epochs });
  const series: { key: string; candles: Candle[] }[] = [];
  for (const key of await store.streamKeys()) {
    const [symbol, interval] = key.split("|");
    const recent = await store.recentCandles(symbol, interval, { limit: config.windowCapacity });
    deduper.seed(
      key,
      recent.map((c) => ({
        openTimeMs: c.openTimeMs,
        partial: c.partial,
        seq: c.seq,
        epochRank: sequencer.epochRank(c.source, c.epoch),
      })),
    );
    series.push({
      key,
      candles: recent.map(({ openTimeMs, open, high, low, close, volume }) => ({
        openTimeMs,
        open,
        high,
        low,
        close,
        volume,
      })),
    });
  }
  log.info("cache opened", {
    path: config.db,
    streams: series.length,
    cursors: cursors.length,
    openGaps: storedGaps.length,
  });
  hooks.onReady?.(series);

  const wanted = (topic: string): boolean => config.topics.some((prefix) => topic.startsWith(prefix));
  const pipeline = createPipeline({ sequencer, deduper, stats, isWanted: wanted, maxBatchRows: tune.maxBatchRows });

  // ---- feeds ---------------------------------------------------------------------------------------------------
  const feeds: Feed[] = config.pubEndpoints.map((pubEndpoint, index) => ({
    index,
    pubEndpoint,
    subscriber: null,
    backfill: createBackfillClient(config.reqEndpoints[index], { logger: log.child("backfill") }),
    state: "connecting",
    detail: "",
    sinceMs: Date.now(),
    epoch: null,
    backfills: 0,
  }));
  /** Which feed a source name was last seen on, so its gaps go to that publisher's REP. */
  const feedOfSource = new Map<string, Feed>();
  const gaps = new Map<string, TrackedGap>();
  const gapKey = (g: OpenGap): string => `${g.source}\u0000${g.topic}\u0000${g.epoch}\u0000${g.fromSeq}`;
  const pendingGapRows = new Map<string, GapUpsert>();
  const progress = new Map<string, Progress>();

  function publishSources(): void {
    hooks.onSources?.(feeds.map((f) => ({
      endpoint: f.pubEndpoint,
      state: f.backfills > 0 && f.state === "live" ? "backfilling" : f.state,
      detail: f.detail,
      epoch: f.epoch === null ? null : f.epoch.toString(),
      sinceMs: f.sinceMs,
    })));
  }

  function setFeedState(feed: Feed, state: ConnState, detail = ""): void {
    if (feed.state === state && feed.detail === detail) return;
    const level = state === "live" ? "info" : state === "stale" || state === "offline" ? "warn" : "debug";
    log[level](`feed ${state}`, { endpoint: feed.pubEndpoint, detail });
    feed.state = state;
    feed.detail = detail;
    feed.sinceMs = Date.now();
    publishSources();
  }

  function publishProgress(): void {
    hooks.onProgress?.([...progress.values()]);
  }

  // ---- queue and drain -----------------------------------------------------------------------------------------
  const queue: { item: PipelineItem; feed: Feed }[] = [];
  let drainScheduled = false;
  let stopping = false;
  let committing: Promise<void> | null = null;
  let batchStartedMs: number | null = null;
  const commitLatencies: number[] = [];
  const lagSamples: number[] = [];
  const backfillLatencies: number[] = [];
  const commitAges: number[] = [];

  function enqueue(feed: Feed, topic: string, frame: Uint8Array, recvTimeMs: number): "pause" | void {
    queue.push({ item: { topic, frame, recvTimeMs, origin: "live", sequenced: true }, feed });
    scheduleDrain();
    if (queue.length >= tune.queueCapacity) {
      stats.pausedReads++;
      return "pause";
    }
  }

  /** When the drain last yielded through a timer. */
  let lastTimerYieldMs = performance.now();

  /**
   * An immediate yields in microseconds where a nested 0 ms timer costs ~2 ms on Deno, but while immediates keep
   * coming, Deno does not poll I/O (requests from the main thread, sockets): so at least every IO_YIELD_MS the
   * drain yields through a timer.
   */
  function scheduleDrain(): void {
    if (drainScheduled) return;
    drainScheduled = true;
    const now = performance.now();
    if (now - lastTimerYieldMs >= IO_YIELD_MS) {
      lastTimerYieldMs = now;
      setTimeout(drain, 0);
    } else {
      setImmediate(drain);
    }
  }

  function noteSource(feed: Feed, frameSource: string | null): void {
    if (frameSource !== null && !feedOfSource.has(frameSource)) feedOfSource.set(frameSource, feed);
  }

  function drain(): void {
    drainScheduled = false;
    const started = performance.now();
    // Bounded slices keep timers (flush, watchdog, stats) running even under a flood; rows waiting for the store
    // are bounded too (a commit that ends schedules the drain again).
    while (queue.length > 0 && performance.now() - started < 20 && pipeline.pendingRows() < tune.maxPendingRows) {
      const { item, feed } = queue.shift()!;
      processItem(item, feed);
    }
    publishUpdates();
    stats.queueDepth = queue.length;
    stats.pendingRows = pipeline.pendingRows();
    if (queue.length <= tune.queueCapacity / 2) {
      for (const feed of feeds) feed.subscriber?.resume();
    }
    maybeCommit();
    if (queue.length > 0 && pipeline.pendingRows() < tune.maxPendingRows) scheduleDrain();
  }

  /** Readers see a bar as soon as it is accepted; the cache follows within one flush. */
  function publishUpdates(): void {
    const updates = pipeline.takeUpdates();
    if (updates.length > 0) hooks.onCandles?.(updates);
  }

  function processItem(item: PipelineItem, feed: Feed): void {
    const before = stats.frames;
    pipeline.process(item);
    if (stats.frames === before) return;
    afterProcess(feed);
  }

  /** Acts on what the pipeline found: new gaps, epoch switches, first sights. */
  function afterProcess(feed: Feed): void {
    const found = pipeline.takeFindings();
    for (const gap of found.gapsOpened) trackGap(gap, feed);
    for (const change of found.epochChanges) {
      noteSource(feed, change.source);
      feed.epoch = change.epoch;
      publishSources();
      log.info("new epoch", { topic: change.topic, epoch: change.epoch, previous: change.previous.epoch });
      // Gaps of the old epoch can no longer be served by seq.
      for (const [key, tracked] of gaps) {
        if (
          tracked.gap.topic === change.topic && tracked.gap.source === change.source &&
          tracked.gap.epoch !== change.epoch
        ) {
          closeGap(key, tracked, "unfillable", "the publisher moved to a new epoch; fetched by time instead");
        }
      }
      if (change.interval !== null && !stopping) {
        void backfillByTime(feed, change.symbol, change.interval, null, change.firstOpenTimeMs);
      }
    }
    for (const sight of found.firstSights) {
      noteSource(feed, sight.source);
      if (feed.epoch !== sight.epoch) {
        feed.epoch = sight.epoch;
        publishSources();
      }
      // The seqs just before it are a gap already; older history, if any, comes by time.
      if (!stopping && sight.seq - 1 > tune.lateJoinSeqs) {
        void backfillByTime(feed, sight.symbol, sight.interval, "warmup", sight.firstOpenTimeMs);
      }
    }
  }

  function trackGap(gap: OpenGap, feed: Feed): void {
    const key = gapKey(gap);
    if (gaps.has(key)) return;
    const tracked: TrackedGap = {
      gap,
      feed: feedOfSource.get(gap.source) ?? feed,
      state: "open",
      attempts: 0,
      dueMs: Date.now() + tune.gapGraceMs,
      inFlight: false,
    };
    gaps.set(key, tracked);
    stats.gapsOpened++;
    stats.gapsOpen = gaps.size;
    pendingGapRows.set(key, gapRow(tracked));
    log.debug("gap opened", { topic: gap.topic, from: gap.fromSeq, to: gap.toSeq });
    scheduleGapCheck(tune.gapGraceMs);
  }

  function gapRow(t: TrackedGap): GapUpsert {
    return { ...t.gap, state: t.state, attempts: t.attempts, reason: t.reason };
  }

  function closeGap(key: string, tracked: TrackedGap, state: "filled" | "unfillable", reason?: string): void {
    tracked.state = state;
    tracked.reason = reason;
    gaps.delete(key);
    stats.gapsOpen = gaps.size;
    if (state === "filled") stats.gapsFilled++;
    else {
      stats.gapsUnfillable++;
      sequencer.markUnfillable(tracked.gap);
      log.warn("gap unfillable", {
        topic: tracked.gap.topic,
        from: tracked.gap.fromSeq,
        to: tracked.gap.toSeq,
        reason,
      });
    }
    pendingGapRows.set(key, gapRow(tracked));
  }

  /** Seqs of `gap` that the sequencer still misses. */
  function stillMissing(gap: OpenGap): OpenGap[] {
    return sequencer.openGaps().filter((g) =>
      g.source === gap.source && g.topic === gap.topic && g.epoch === gap.epoch && g.toSeq >= gap.fromSeq &&
      g.fromSeq <= gap.toSeq
    ).map((g) => ({ ...g, fromSeq: Math.max(g.fromSeq, gap.fromSeq), toSeq: Math.min(g.toSeq, gap.toSeq) }));
  }

  let gapTimer: ReturnType<typeof setTimeout> | null = null;
  function scheduleGapCheck(delayMs: number): void {
    if (stopping || gapTimer !== null) return;
    gapTimer = setTimeout(() => {
      gapTimer = null;
      checkGaps();
    }, delayMs);
  }

  function checkGaps(): void {
    const now = Date.now();
    let next = Infinity;
    for (const [key, tracked] of gaps) {
      if (tracked.inFlight) continue;
      const missing = stillMissing(tracked.gap);
      if (missing.length === 0) {
        closeGap(key, tracked, "filled");
        continue;
      }
      if (tracked.dueMs > now) {
        next = Math.min(next, tracked.dueMs - now);
        continue;
      }
      if (tracked.attempts >= tune.backfillAttempts) {
        closeGap(key, tracked, "unfillable", `no answer after ${tracked.attempts} backfill attempts`);
        continue;
      }
      void backfillBySeq(key, tracked, missing);
    }
    if (next < Infinity) scheduleGapCheck(next);
  }

  async function backfillBySeq(key: string, tracked: TrackedGap, missing: OpenGap[]): Promise<void> {
    tracked.inFlight = true;
    tracked.attempts++;
    tracked.state = "requested";
    pendingGapRows.set(key, gapRow(tracked));
    const feed = tracked.feed;
    feed.backfills++;
    publishSources();
    let failure: string | null = null;
    let unfillable: string | null = null;
    try {
      for (const range of missing) {
        for (let from = range.fromSeq; from <= range.toSeq && !stopping; from += tune.backfillChunk) {
          const to = Math.min(range.toSeq, from + tune.backfillChunk - 1);
          const result = await feed.backfill.request({
            topic: range.topic,
            epoch: range.epoch,
            fromSeq: from,
            toSeq: to,
            fromMs: 0,
            toMs: 0,
          });
          stats.backfillRequests++;
          if (result.kind !== "reply") {
            failure = result.message;
            break;
          }
          noteLatency(backfillLatencies, result.latencyMs);
          stats.backfillLatencyMsP50 = percentile(backfillLatencies, 0.5);
          if (result.status !== "ok") {
            unfillable = `publisher answered ${result.status}: ${result.message}`;
            break;
          }
          injectBackfill(feed, result.frames, true);
        }
        if (failure !== null || unfillable !== null) break;
      }
    } catch (error) {
      failure = errorText(error);
    } finally {
      feed.backfills--;
      tracked.inFlight = false;
      publishSources();
    }
    if (stopping) return;
    if (unfillable !== null) closeGap(key, tracked, "unfillable", unfillable);
    else if (stillMissing(tracked.gap).length === 0) closeGap(key, tracked, "filled");
    else {
      tracked.state = "open";
      tracked.reason = failure ?? "the reply did not cover the whole gap";
      tracked.dueMs = Date.now() + Math.min(10_000, 250 * 2 ** tracked.attempts);
      pendingGapRows.set(key, gapRow(tracked));
      scheduleGapCheck(tracked.dueMs - Date.now());
    }
  }

  /** History by open time: the warm-up of a new stream, or the tail of an epoch the publisher left. */
  async function backfillByTime(
    feed: Feed,
    symbol: string,
    interval: string,
    purpose: "warmup" | null,
    untilMs: number | null,
  ): Promise<void> {
    let intervalMs: number;
    try {
      intervalMs = parseInterval(interval);
    } catch {
      return;
    }
    const lastStored = await store.lastOpenTimeMs(symbol, interval);
    const fromMs = lastStored ??
      (purpose === "warmup" && untilMs !== null ? Math.max(1, untilMs - tune.warmupBars * intervalMs) : null);
    // Nothing can be missing when the stream already starts at or before what the cache holds.
    if (fromMs === null || (untilMs !== null && untilMs <= fromMs) || stopping) return;
    const id = `time:${symbol}|${interval}`;
    progress.set(id, { id, label: `history ${symbol} ${interval}`, done: 0, total: null, unit: "frames" });
    publishProgress();
    feed.backfills++;
    publishSources();
    try {
      const result = await feed.backfill.request({
        topic: `candle.${symbol}.${interval}`,
        epoch: feed.epoch ?? 0n,
        fromSeq: 0,
        toSeq: 0,
        fromMs,
        toMs: untilMs ?? 0,
      });
      stats.backfillRequests++;
      if (result.kind === "reply" && result.status === "ok") {
        noteLatency(backfillLatencies, result.latencyMs);
        injectBackfill(feed, result.frames, false);
        progress.set(id, {
          id,
          label: `history ${symbol} ${interval}`,
          done: result.frames.length,
          total: result.frames.length,
          unit: "frames",
        });
      } else {
        log.warn("history backfill failed", {
          symbol,
          interval,
          reason: result.kind === "reply" ? `${result.status}: ${result.message}` : result.message,
        });
      }
    } catch (error) {
      log.error("history backfill failed", { symbol, interval, error: errorText(error) });
    } finally {
      feed.backfills--;
      publishSources();
      setTimeout(() => {
        progress.delete(id);
        publishProgress();
      }, 1000);
      publishProgress();
    }
  }

  function injectBackfill(feed: Feed, frames: Uint8Array[], sequenced: boolean): void {
    const recvTimeMs = Date.now();
    for (const frame of frames) {
      stats.backfillFrames++;
      processItem({ topic: null, frame, recvTimeMs, origin: "backfill", sequenced }, feed);
    }
    publishUpdates();
    maybeCommit();
  }

  // ---- commit --------------------------------------------------------------------------------------------------
  let commitFailures = 0;
  let retryAtMs = 0;
  /** The batch whose commit failed: retried, whole, before anything else is taken. */
  let retry: TakenCommit | null = null;

  function commitPending(): Promise<void> {
    if (committing) return committing;
    // A failing store is retried on its backoff schedule only, whoever asks.
    if (retry !== null && Date.now() < retryAtMs) return Promise.resolve();
    // Cleared in a `.finally()` attached after the assignment: a commit that finds nothing to write finishes
    // synchronously, and clearing inside its body would run before `committing` is even set.
    const run = commitOnce().finally(() => {
      if (committing === run) committing = null;
      stats.pendingRows = pipeline.pendingRows();
      // The drain may have stopped at the pending-rows bound: this commit made room.
      if (queue.length > 0 && !stopping) scheduleDrain();
      // Rows that came in during the commit: commit them now if they are due, else when they will be.
      if (committing === null && retry === null && batchStartedMs !== null && !stopping) {
        if (commitDue()) void commitPending();
        else armFlush();
      }
    });
    committing = run;
    return run;
  }

  /**
   * A timer for the moment the pending batch is due (flushMs after its first row), so that a batch waits no
   * longer than that for a commit to start; the interval timer below stays as the safety net and for retries.
   */
  let flushTimeout: ReturnType<typeof setTimeout> | null = null;
  function armFlush(): void {
    if (flushTimeout !== null || batchStartedMs === null || stopping) return;
    const dueMs = batchStartedMs + config.flushMs + (holdingForBacklog() ? tune.backlogHoldMs : 0);
    flushTimeout = setTimeout(() => {
      flushTimeout = null;
      if (committing !== null || retry !== null || batchStartedMs === null) return;
      if (commitDue()) void commitPending();
      else armFlush();
    }, Math.max(0, dueMs - Date.now()));
  }

  /** Commits the pending rows and gap rows if they are due, else arms the timer for when they will be. */
  function maybeCommit(): void {
    if (pipeline.pendingRows() === 0 && pendingGapRows.size === 0) return;
    batchStartedMs ??= Date.now();
    if (commitDue()) void commitPending();
    else armFlush();
  }

  /** Due: flushRows pending or flushMs since the batch's first row, unless it is held for a backlog. */
  function commitDue(): boolean {
    if (batchStartedMs === null) return pendingGapRows.size > 0;
    const ageMs = Date.now() - batchStartedMs;
    if (pipeline.pendingRows() < config.flushRows && ageMs < config.flushMs) return false;
    return !holdingForBacklog() || ageMs >= config.flushMs + tune.backlogHoldMs;
  }

  /** When the last commit took its batch, and the rows still pending then (sealed batches of a backlog). */
  let lastTakeAtMs = performance.now();
  let rowsAtLastTake = 0;

  function holdingForBacklog(): boolean {
    return holdsForRowGroup({
      pendingRows: pipeline.pendingRows(),
      rowsAtLastTake,
      msSinceLastTake: performance.now() - lastTakeAtMs,
      rowGroupRows: tune.backlogBatchRows,
      holdMs: tune.backlogHoldMs,
    });
  }

  function takeCommit(): TakenCommit {
    const taken = pipeline.take();
    lastTakeAtMs = performance.now();
    rowsAtLastTake = pipeline.pendingRows();
    const batch: StoreBatch = {
      candles: taken.candles,
      ticks: taken.ticks,
      trades: taken.trades,
      cursors: [...taken.cursors.values()],
      gaps: [...pendingGapRows.values()],
    };
    pendingGapRows.clear();
    for (const sample of taken.lagSamplesMs) noteLatency(lagSamples, sample);
    stats.lagMsP50 = percentile(lagSamples, 0.5);
    return { batch, taken };
  }

  async function commitOnce(): Promise<void> {
    const commit = retry ?? takeCommit();
    const storeBatch = commit.batch;
    // Rows still pending sit in full batches behind this one (a backlog): they are due as soon as it is done.
    batchStartedMs = pipeline.pendingRows() > 0 ? Date.now() - config.flushMs : null;
    const rows = (storeBatch.candles?.length ?? 0) + (storeBatch.ticks?.length ?? 0) +
      (storeBatch.trades?.length ?? 0);
    if (rows === 0 && !storeBatch.cursors?.length && !storeBatch.gaps?.length) return;
    if (tune.commitDelayMs > 0) await new Promise((r) => setTimeout(r, tune.commitDelayMs));
    const started = performance.now();
    try {
      await store.commit(storeBatch);
    } catch (error) {
      commitFailures++;
      retry = commit;
      if (fatalError === null && isFatalStoreError(error)) noteFatal("commit", error);
      stats.commitError = fatalError ?? errorText(error);
      // Retried with backoff (the flush timer waits for retryAtMs); logged for the first attempts, then rarely.
      retryAtMs = Date.now() + Math.min(5000, 100 * 2 ** Math.min(commitFailures - 1, 6));
      if (commitFailures <= 6 || commitFailures % 12 === 0) {
        log.error("commit failed; reads paused until it succeeds (every committed row is kept)", {
          error: stats.commitError,
          attempt: commitFailures,
          retryInMs: retryAtMs - Date.now(),
        });
      }
      for (const feed of feeds) feed.subscriber?.pause();
      return;
    }
    const sourceTimes = commit.taken.sourceTimesMs;
    // The committed rows' column arrays go back to the pipeline for its next batches.
    pipeline.recycle(commit.taken);
    retry = null;
    const committedAtMs = Date.now();
    // A bounded sample of the batch's frames, starting with its oldest, so p99 sees the longest waits.
    const step = Math.max(1, Math.floor(sourceTimes.length / 64));
    for (let i = 0; i < sourceTimes.length; i += step) noteLatency(commitAges, committedAtMs - sourceTimes[i]);
    stats.publishToCommitMsP50 = percentile(commitAges, 0.5);
    stats.publishToCommitMsP99 = percentile(commitAges, 0.99);
    if (commitFailures > 0) {
      log.info("commits succeed again", { afterAttempts: commitFailures });
      commitFailures = 0;
      stats.commitError = null;
      for (const feed of feeds) feed.subscriber?.resume();
    }
    const latency = performance.now() - started;
    noteLatency(commitLatencies, latency);
    stats.commits++;
    stats.rowsCommitted += rows;
    stats.commitLatencyMsP50 = percentile(commitLatencies, 0.5);
    stats.commitLatencyMsP99 = percentile(commitLatencies, 0.99);
    stats.lastCommitMs = Date.now();
    hooks.onCommit?.({ rows, lastCommitMs: stats.lastCommitMs });
  }

  /**
   * Commits everything pending: every sealed batch, then the current one (a backlog is several batches, see
   * maxBatchRows). Stops at the first failure, which stays in `retry`.
   */
  async function commitAll(): Promise<void> {
    await committing;
    while (pipeline.pendingRows() > 0 || pendingGapRows.size > 0 || retry !== null) {
      await commitPending();
      await committing;
      if (retry !== null) return;
    }
  }

  // ---- timers --------------------------------------------------------------------------------------------------
  const flushTimer = setInterval(() => {
    if (committing) return;
    if (retry !== null) {
      if (Date.now() >= retryAtMs) void commitPending();
    } else if (commitDue()) void commitPending();
  }, Math.max(5, Math.floor(config.flushMs / 2)));

  let lastRate = { atMs: Date.now(), frames: 0, candles: 0 };
  const statsTimer = setInterval(() => {
    const now = Date.now();
    const seconds = (now - lastRate.atMs) / 1000;
    if (seconds > 0) {
      stats.messagesPerSec = Math.round((stats.frames - lastRate.frames) / seconds);
      stats.candlesPerSec = Math.round((stats.candlesAccepted - lastRate.candles) / seconds);
    }
    lastRate = { atMs: now, frames: stats.frames, candles: stats.candlesAccepted };
    stats.queueDepth = queue.length;
    hooks.onStats?.(structuredClone(stats));
    if (now - lastSummaryMs >= tune.summaryMs) {
      lastSummaryMs = now;
      const rejected = Object.values(stats.rejected).reduce((a, b) => a + b, 0);
      log.info("ingest", {
        msgPerSec: stats.messagesPerSec,
        candlesPerSec: stats.candlesPerSec,
        rowsCommitted: stats.rowsCommitted,
        commitP99Ms: stats.commitLatencyMsP99,
        publishToCommitP99Ms: stats.publishToCommitMsP99,
        gapsOpen: stats.gapsOpen,
        gapsFilled: stats.gapsFilled,
        duplicates: stats.duplicates,
        rejected,
        queue: stats.queueDepth,
      });
    }
  }, tune.statsMs);
  let lastSummaryMs = Date.now();

  /**
   * Set once DuckDB reported a FATAL error (a checkpoint that hit a full disk, say): the instance refuses every
   * statement from then on and only a restart (which replays the WAL) brings the cache back, so commits keep
   * failing with this message, which /api/health shows as `commitError`.
   */
  let fatalError: string | null = null;
  function noteFatal(what: string, error: unknown): void {
    fatalError = `the cache is unusable until fluxbook restarts (a ${what} hit a fatal DuckDB error): ${
      errorText(error)
    }`;
    stats.commitError = fatalError;
    log.error(`${what} failed with a fatal DuckDB error: restart fluxbook to use the cache again`, {
      error: errorText(error),
    });
  }
  function maintenanceFailed(what: string, error: unknown): void {
    if (fatalError !== null) return;
    if (isFatalStoreError(error)) noteFatal(what, error);
    else log.warn(`${what} failed`, { error: errorText(error) });
  }

  const checkpointTimer = setInterval(() => {
    void (committing ?? Promise.resolve()).then(() => store.checkpoint()).catch((error) =>
      maintenanceFailed("checkpoint", error)
    );
  }, tune.checkpointMs);

  const compactTimer = setInterval(() => {
    void (committing ?? Promise.resolve()).then(() => store.compact()).then((r) =>
      log.debug("compacted", { removed: r.removedRows })
    ).catch((error) => maintenanceFailed("compaction", error));
  }, tune.compactMs);

  // The hourly summary follows the commits a few seconds behind, in its own transaction (see candleSummary.ts);
  // readers are correct without it. A failing refresh is logged at its first failure, then every 30th.
  let summaryFailures = 0;
  const summaryTimer = setInterval(() => {
    void (committing ?? Promise.resolve()).then(() => store.refreshSummary()).then(() => {
      summaryFailures = 0;
    }, (error) => {
      if (summaryFailures++ % 30 === 0) log.warn("summary refresh failed", { error: String(error) });
    });
  }, SUMMARY_REFRESH_MS);

  // ---- start the feeds -----------------------------------------------------------------------------------------
  // Gaps left open by the last run: re-requested once their feed is up; those of an epoch the sequencer no
  // longer follows cannot be served by seq any more.
  const resumable = new Set(sequencer.openGaps().map(gapKey));
  for (const gap of storedGaps) {
    trackGap(gap, feeds[0]);
    const key = gapKey(gap);
    if (!resumable.has(key) && stillMissing(gap).length === 0) {
      closeGap(key, gaps.get(key)!, "unfillable", "its epoch ended before it was filled");
    }
  }
  for (const feed of feeds) {
    feed.subscriber = startSubscriber(feed.pubEndpoint, {
      topics: config.topics,
      highWaterMark: config.highWaterMark,
      heartbeatTimeoutMs: config.heartbeatTimeoutMs,
      backoff: { initialMs: config.backoffInitialMs, maxMs: config.backoffMaxMs },
      logger: log.child("sub"),
      onMessage: (topic, frame, recvTimeMs) => enqueue(feed, topic, frame, recvTimeMs),
      onState: (state, detail) => setFeedState(feed, state, detail.message),
      onBadMessage: () => {
        stats.rejected.bad_message = (stats.rejected.bad_message ?? 0) + 1;
      },
    });
  }
  publishSources();

  let stopped: Promise<void> | null = null;
  return {
    store,
    stats: () => structuredClone(stats),
    flush: async () => {
      await commitAll();
    },
    stop(): Promise<void> {
      stopped ??= (async () => {
        stopping = true;
        if (gapTimer !== null) clearTimeout(gapTimer);
        clearInterval(flushTimer);
        if (flushTimeout !== null) clearTimeout(flushTimeout);
        clearInterval(statsTimer);
        clearInterval(checkpointTimer);
        clearInterval(compactTimer);
        clearInterval(summaryTimer);
        await Promise.all(feeds.map((f) => f.subscriber?.stop()));
        // Frames already received are kept: processed, with their gaps recorded, and committed below.
        while (queue.length > 0) {
          const { item, feed } = queue.shift()!;
          processItem(item, feed);
        }
        retryAtMs = 0;
        await commitAll();
        if (retry !== null) log.error("stopping with an uncommitted batch: the cache could not be written");
        await Promise.all(feeds.map((feed) => feed.backfill.close()));
        try {
          await store.compact();
        } catch (error) {
          log.warn("compaction on shutdown failed", { error: String(error) });
        }
        await store.close();
        log.info("ingest stopped", { rowsCommitted: stats.rowsCommitted, commits: stats.commits });
      })();
      return stopped;
    },
  };
}

/** A batch taken from the pipeline for one commit, kept whole while the commit is retried. */
interface TakenCommit {
  batch: StoreBatch;
  /** The pipeline batch behind it (its frames' source times; its column arrays, reused once it commits). */
  taken: PipelineBatch;
}

const SAMPLE_LIMIT = 512;
/** Longest the drain goes without letting I/O in (see scheduleDrain). */
const IO_YIELD_MS = 50;
/**
 * How often the hourly summary catches up. It only speeds up zoomed-out reads (they read the bars above its
 * watermark from `candles_latest`), so every 10 s is plenty; every 2 s, the 10-minute soak's RSS kept climbing
 * (+18 MiB between its last two thirds, a fail) where at 10 s it stayed within its bound.
 */
const SUMMARY_REFRESH_MS = 10_000;

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Keeps the newest SAMPLE_LIMIT values, overwriting the oldest (a ring: no shifting per sample). */
function noteLatency(samples: number[] & { next?: number }, value: number): void {
  if (samples.length < SAMPLE_LIMIT) {
    samples.push(value);
    return;
  }
  const next = samples.next ?? 0;
  samples[next] = value;
  samples.next = (next + 1) % SAMPLE_LIMIT;
}

function percentile(samples: readonly number[], q: number): number {
  if (samples.length === 0) return 0;
  const sorted = [...samples].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] * 100) / 100;
}
