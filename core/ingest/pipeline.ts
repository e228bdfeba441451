/**
 * `createPipeline()`: one frame in, its effects out. Decode → topic check → sequence (per source and topic,
 * with epochs) → dedupe (per bar) → rows for the store, updates for the window, gaps and epoch switches for
 * the caller to act on. No I/O and no clock: the caller owns the sockets, the store and the timers, and
 * commits a `PipelineBatch` as one transaction.
 */
import { decodeFrame } from "../wire/decode.ts";
import { type Envelope, HEARTBEAT_TOPIC, topicOf } from "../wire/types.ts";
import type { Deduper } from "./dedupe.ts";
import type { CandleUpdate, IngestStats } from "./protocol.ts";
import type { OpenGap, PreviousEpoch, SequenceDecision, Sequencer } from "./sequencer.ts";
import type { IngestCursor, RowOrigin, TickRow, TradeRow } from "./storeBatch.ts";
import { CandleColumns } from "./candleColumns.ts";

/** One frame to process. */
export interface PipelineItem {
  /** The PUB/SUB topic it arrived on; null for frames of a backfill reply, which carry none. */
  topic: string | null;
  frame: Uint8Array;
  recvTimeMs: number;
  origin: RowOrigin;
  /**
   * Whether the frame's seq takes part in sequencing. Live frames and seq-range backfills do; frames of a
   * time-range backfill do not (they fill by open time, and only the deduper judges them).
   */
  sequenced: boolean;
}

/** A stream seen for the first time with no cursor: the caller may fetch its history by time. */
export interface FirstSight {
  source: string;
  topic: string;
  symbol: string;
  interval: string;
  epoch: bigint;
  /** The seq of that first frame. */
  seq: number;
  firstOpenTimeMs: number;
}

/** A stream that moved to a newer epoch: its previous epoch's tail can only be fetched by time now. */
export interface EpochChange {
  source: string;
  topic: string;
  symbol: string;
  interval: string | null;
  epoch: bigint;
  previous: PreviousEpoch;
  firstOpenTimeMs: number | null;
}

/** What the caller must act on now (backfills), found while processing frames. */
export interface Findings {
  gapsOpened: OpenGap[];
  firstSights: FirstSight[];
  epochChanges: EpochChange[];
}

/** What processing frames produced since the batch was taken; committed together. */
export interface PipelineBatch {
  /** Column by column: no object per row (see candleColumns.ts). */
  candles: CandleColumns;
  ticks: TickRow[];
  trades: TradeRow[];
  /** Newest cursor per `${source}\u0000${topic}`. */
  cursors: Map<string, IngestCursor>;
  /** Frames that carried at least one row. */
  frames: number;
  /** Receive minus source time of live frames, ms, for the lag gauge. */
  lagSamplesMs: number[];
  /** Source time (ms) of the live frames whose rows are in this batch, for the publish→commit gauge. */
  sourceTimesMs: number[];
}

export interface PipelineOptions {
  sequencer: Sequencer;
  deduper: Deduper;
  stats: IngestStats;
  /** Whether a topic is one we subscribe to (heartbeat cursors of other topics are ignored). */
  isWanted(topic: string): boolean;
  /**
   * A batch holding this many rows is sealed at the end of the frame that filled it, and the next frame starts
   * a new one, so that a backlog is committed in bounded transactions instead of one that grows with the backlog
   * (and ends a burst with one long commit). Default: no limit.
   */
  maxBatchRows?: number;
}

export interface Pipeline {
  /** Processes one frame into the current batch. Never throws for bad input: it counts it. */
  process(item: PipelineItem): void;
  /** Gaps, epoch switches and first sights found since the last call. */
  takeFindings(): Findings;
  /** Window updates (accepted bars) since the last call; they need not wait for the commit. */
  takeUpdates(): CandleUpdate[];
  /** Hands over the oldest sealed batch, or else the batch built so far (and starts a new one). */
  take(): PipelineBatch;
  /** Rows waiting, in sealed batches and the current one. */
  pendingRows(): number;
  /**
   * Hands a taken batch back once it is committed, so the next batches reuse its column arrays instead of
   * allocating (and growing) new ones: fewer large allocations, and less external memory for V8 to collect.
   */
  recycle(batch: PipelineBatch): void;
}

export function emptyBatch(candles: CandleColumns = new CandleColumns()): PipelineBatch {
  return {
    candles,
    ticks: [],
    trades: [],
    cursors: new Map(),
    frames: 0,
    lagSamplesMs: [],
    sourceTimesMs: [],
  };
}

export function createPipeline(options: PipelineOptions): Pipeline {
  const { sequencer, deduper, stats, isWanted } = options;
  const maxBatchRows = options.maxBatchRows ?? Infinity;
  let batch: PipelineBatch = emptyBatch();
  /** Full batches, oldest first; each one's cursors cover exactly its own frames. */
  const sealed: PipelineBatch[] = [];
  let sealedRows = 0;
  const rowsOf = (b: PipelineBatch): number => b.candles.length + b.ticks.length + b.trades.length;
  /** Column arrays of committed batches, ready for reuse; two cover a batch being filled while one commits. */
  const spare: CandleColumns[] = [];
  const nextBatch = (): PipelineBatch => emptyBatch(spare.pop());
  let findings: Findings = { gapsOpened: [], firstSights: [], epochChanges: [] };
  let updates: CandleUpdate[] = [];

  function reject(reason: string): void {
    stats.rejected[reason] = (stats.rejected[reason] ?? 0) + 1;
  }

  function recordCursor(source: string, topic: string): void {
    const cursor = sequencer.cursor(source, topic);
    if (cursor) batch.cursors.set(`${source}\u0000${topic}`, { source, topic, ...cursor });
  }

  function process(item: PipelineItem): void {
    processFrame(item);
    const rows = rowsOf(batch);
    if (rows >= maxBatchRows) {
      sealed.push(batch);
      sealedRows += rows;
      batch = nextBatch();
    }
  }

  function processFrame(item: PipelineItem): void {
    stats.frames++;
    stats.bytes += item.frame.byteLength;
    const decoded = decodeFrame(item.frame);
    if (decoded.kind === "rejected") {
      reject(decoded.reason);
      return;
    }
    const envelope = decoded.envelope;
    const topic = topicOf(envelope);
    if (item.topic !== null && item.topic !== topic) {
      // A frame on the wrong topic would be filed under another stream's cursor; refuse it.
      reject("topic_mismatch");
      return;
    }
    const payload = envelope.payload;
    if (payload.kind === "backfill_request" || payload.kind === "backfill_reply") {
      reject("unexpected_payload");
      return;
    }
    stats.decoded++;
    if (payload.kind === "heartbeat") {
      stats.heartbeats++;
      const result = sequencer.heartbeat(
        { source: envelope.source, epoch: envelope.epoch, cursors: payload.cursors },
        { isWanted: (t) => t !== HEARTBEAT_TOPIC && isWanted(t) },
      );
      for (const gap of result.gaps) {
        findings.gapsOpened.push(gap);
        recordCursor(gap.source, gap.topic);
      }
      for (const change of result.switched) {
        recordCursor(envelope.source, change.topic);
        findings.epochChanges.push({
          source: envelope.source,
          topic: change.topic,
          ...streamNames(change.topic),
          epoch: envelope.epoch,
          previous: change.previous,
          firstOpenTimeMs: null,
        });
      }
      return;
    }

    const hadCursor = sequencer.cursor(envelope.source, topic) !== undefined;
    let decision: SequenceDecision = { kind: "accept" };
    if (item.sequenced) {
      decision = sequencer.observe({ source: envelope.source, topic, epoch: envelope.epoch, seq: envelope.seq });
      switch (decision.kind) {
        case "accept":
        case "fill":
          break;
        case "gap":
          findings.gapsOpened.push({
            source: envelope.source,
            topic,
            epoch: envelope.epoch,
            fromSeq: decision.fromSeq,
            toSeq: decision.toSeq,
          });
          break;
        case "new_epoch": {
          if (decision.gap) {
            findings.gapsOpened.push({ source: envelope.source, topic, epoch: envelope.epoch, ...decision.gap });
          }
          findings.epochChanges.push({
            source: envelope.source,
            topic,
            symbol: envelope.symbol,
            interval: payload.kind === "candles" ? payload.interval : null,
            epoch: envelope.epoch,
            previous: decision.previous,
            firstOpenTimeMs: payload.kind === "candles" ? payload.candles[0]?.openTimeMs ?? null : null,
          });
          break;
        }
        case "duplicate":
          stats.duplicates++;
          return;
        case "regression":
          stats.regressions++;
          return;
        case "stale_epoch":
          stats.staleEpochs++;
          return;
        case "rejected":
          reject(decision.reason);
          return;
      }
      recordCursor(envelope.source, topic);
    }
    const rows = applyPayload(envelope, item, sequencer.epochRank(envelope.source, envelope.epoch));
    if (rows > 0) batch.frames++;
    if (item.origin === "live" && envelope.sourceTsNs > 0n) {
      const sourceMs = Number(envelope.sourceTsNs / 1_000_000n);
      batch.lagSamplesMs.push(item.recvTimeMs - sourceMs);
      if (rows > 0) batch.sourceTimesMs.push(sourceMs);
    }
    if (
      item.sequenced && !hadCursor && (decision.kind === "accept" || decision.kind === "gap") &&
      payload.kind === "candles" &&
      payload.candles.length > 0
    ) {
      findings.firstSights.push({
        source: envelope.source,
        topic,
        symbol: envelope.symbol,
        interval: payload.interval,
        epoch: envelope.epoch,
        seq: envelope.seq,
        firstOpenTimeMs: payload.candles[0].openTimeMs,
      });
    }
  }

  /** Turns an accepted envelope into rows and window updates; returns how many rows it added. */
  function applyPayload(envelope: Envelope, item: PipelineItem, epochRank: number): number {
    const lineage = {
      symbol: envelope.symbol,
      source: envelope.source,
      epoch: envelope.epoch,
      seq: envelope.seq,
      recvTimeMs: item.recvTimeMs,
      origin: item.origin,
    };
    const payload = envelope.payload;
    switch (payload.kind) {
      case "candles": {
        const key = `${envelope.symbol}|${payload.interval}`;
        const columns = batch.candles;
        const stream = columns.streamId(
          envelope.symbol,
          payload.interval,
          envelope.source,
          envelope.epoch,
          item.origin,
        );
        const last = payload.candles.length - 1;
        // One object for the frame's bars: the deduper copies what it keeps.
        const revision = { epochRank, seq: envelope.seq, partial: false };
        let added = 0;
        for (let i = 0; i <= last; i++) {
          const candle = payload.candles[i];
          const partial = payload.lastIsPartial && i === last;
          revision.partial = partial;
          const outcome = deduper.offer(key, candle, revision);
          if (outcome === "duplicate" || outcome === "stale") {
            stats.duplicates++;
            continue;
          }
          if (outcome === "revision") stats.revisions++;
          columns.push(stream, candle, envelope.seq, item.recvTimeMs, partial);
          updates.push({ key, symbol: envelope.symbol, interval: payload.interval, candle, partial });
          added++;
        }
        stats.candlesAccepted += added;
        return added;
      }
      case "ticks":
        for (const tick of payload.ticks) batch.ticks.push({ ...tick, ...lineage });
        stats.ticksAccepted += payload.ticks.length;
        return payload.ticks.length;
      case "trades":
        for (const trade of payload.trades) batch.trades.push({ ...trade, ...lineage });
        stats.tradesAccepted += payload.trades.length;
        return payload.trades.length;
      default:
        return 0;
    }
  }

  return {
    process,
    takeUpdates(): CandleUpdate[] {
      const taken = updates;
      updates = [];
      return taken;
    },
    takeFindings(): Findings {
      const taken = findings;
      findings = { gapsOpened: [], firstSights: [], epochChanges: [] };
      return taken;
    },
    take(): PipelineBatch {
      const oldest = sealed.shift();
      if (oldest) {
        sealedRows -= rowsOf(oldest);
        return oldest;
      }
      const taken = batch;
      batch = nextBatch();
      return taken;
    },
    recycle(done: PipelineBatch): void {
      const columns = done.candles;
      // Only a batch that was taken, and only once: never columns that a batch is filling or holds.
      if (spare.length >= 2 || spare.includes(columns) || columns === batch.candles) return;
      if (sealed.some((b) => b.candles === columns)) return;
      columns.clear();
      spare.push(columns);
    },
    pendingRows: () => sealedRows + rowsOf(batch),
  };
}

/** `candle.AAPL.1m` → symbol AAPL, interval 1m; `tick.AAPL` → symbol AAPL, interval null. */
export function streamNames(topic: string): { symbol: string; interval: string | null } {
  const parts = topic.split(".");
  if (parts[0] === "candle" && parts.length >= 3) return { symbol: parts[1], interval: parts.slice(2).join(".") };
  return { symbol: parts[1] ?? "", interval: null };
}
