/**
 * `createSequencer()`: decides, from (source, epoch, topic, seq) alone, what a frame is — the next one, one after
 * a gap, a late fill of a gap, a duplicate, a misbehaving publisher's replay, or the first of a new epoch — and
 * keeps the set of sequence numbers still missing so the caller can backfill them by seq.
 *
 * Rules (../../../shared/WIRE.md, Semantics):
 * - Epochs are ordered by when this sequencer first saw them (restored ones first), not by their value: an epoch
 *   is an opaque session id. The newest-seen epoch of a source is its current one; frames of an older epoch are
 *   `stale_epoch` and dropped — after a restart the publisher cannot serve the old epoch by seq any more, so its
 *   tail is fetched by time instead.
 * - The first frame of a topic with no cursor is accepted without a gap: we joined late, and history comes from a
 *   time-range backfill. Everything after a cursor (from a frame, a heartbeat or `restore()`) is tracked by seq.
 * - A heartbeat's cursor ahead of ours means the last messages of a stream were lost: the tail becomes a gap.
 * - Frames of a seq backfill reply go through `observe()` like live ones (they come back as `fill`). Frames of a
 *   time-range backfill reply must not: their seqs are at or below the cursor, or of an older epoch, so they would
 *   be dropped as duplicates or stale; send them straight to the deduper, which orders revisions by epoch and seq.
 * - A gap can be any size (a publisher that jumps its seq by a billion opens one range of a billion); the caller
 *   decides how much of it to ask for.
 *
 * Pure: values in, values out; no I/O, no clock. Memory per topic is bounded by `maxGapsPerTopic` ranges.
 */
import type { StreamCursor } from "../wire/types.ts";

/** An inclusive range of missing sequence numbers. */
export interface SeqRange {
  fromSeq: number;
  toSeq: number;
}

/** A missing range of one stream, as `openGaps()` lists it and `restore()`/`markUnfillable()` take it. */
export interface OpenGap extends SeqRange {
  source: string;
  topic: string;
  epoch: bigint;
}

/** Where a stream stands: the last seq seen (or known to exist, from a heartbeat) in its epoch. */
export interface SequencerCursor {
  source: string;
  topic: string;
  epoch: bigint;
  lastSeq: number;
}

/** The header fields of a data frame that sequencing looks at. */
export interface SequencedFrame {
  source: string;
  topic: string;
  epoch: bigint;
  seq: number;
}

/** What a stream looked like in the epoch it just left; its tail (after `lastSeq`) and `gaps` are fetched by time. */
export interface PreviousEpoch {
  epoch: bigint;
  lastSeq: number;
  /** Ranges still missing in that epoch; they can no longer be backfilled by seq. */
  gaps: SeqRange[];
}

/**
 * What to do with a frame. Apply it on `accept`, `gap`, `fill` and `new_epoch`; drop it on the others.
 * - `gap`: `fromSeq..toSeq` were skipped and are now an open gap.
 * - `fill`: the seq was missing; `closed` tells whether its gap is now empty.
 * - `regression`: more than `regressionWindow` below the last seq in the same epoch — a publisher that restarted
 *   without a new epoch; counted apart from duplicates.
 * - `new_epoch`: the stream moved to a newer epoch; `gap` is `1..seq-1` of the new epoch when seq > 1.
 * - `stale_epoch`: an epoch older than the source's current one.
 * - `rejected`: the seq is not a whole number >= 1.
 */
export type SequenceDecision =
  | { kind: "accept" }
  | { kind: "gap"; fromSeq: number; toSeq: number }
  | { kind: "fill"; closed: boolean }
  | { kind: "duplicate" }
  | { kind: "regression"; lastSeq: number }
  | { kind: "new_epoch"; previous: PreviousEpoch; gap: SeqRange | null }
  | { kind: "stale_epoch"; currentEpoch: bigint }
  | { kind: "rejected"; reason: "bad_seq"; message: string };

/** A heartbeat as `heartbeat()` takes it: the envelope's source and epoch and the payload's cursors. */
export interface HeartbeatFrame {
  source: string;
  epoch: bigint;
  cursors: readonly StreamCursor[];
}

/** A stream a heartbeat moved to its (newer) epoch. */
export interface EpochSwitch {
  topic: string;
  previous: PreviousEpoch;
}

export interface HeartbeatResult {
  /**
   * `new`: the epoch was never seen for this source (also on the first heartbeat after start-up; `switched` says
   * which streams really changed epoch); `stale`: older than the source's current epoch, and ignored.
   */
  epoch: "current" | "new" | "stale";
  /** Tail gaps opened by this heartbeat (messages the publisher sent that never arrived). */
  gaps: OpenGap[];
  /** Streams that left an older epoch because of this heartbeat. */
  switched: EpochSwitch[];
}

export interface SequencerOptions {
  /** A seq more than this far below the last one, in the same epoch, is a `regression`. Default 1000. */
  regressionWindow?: number;
  /**
   * On joining a topic late (its first frame or heartbeat cursor says seq k > 1, and there is no cursor), the last
   * this many seqs before k become an open gap: seqs start at 1 in every epoch, so they exist, and a gap is fetched
   * by seq and persisted like any other — history fetched only by time would be lost to a crash before it came.
   * Default 0: a late join opens no gap.
   */
  lateJoinSeqs?: number;
  /**
   * Most open gap ranges kept per topic. Default 1024. When a new range would exceed it, the two lowest ranges
   * are merged into one spanning both, so the seqs between them count as missing again: a later copy of one of
   * them is a harmless `fill` (the deduper drops it) and a seq backfill asks for a little more than needed.
   * Nothing missing is ever forgotten, and memory stays bounded.
   */
  maxGapsPerTopic?: number;
}

export interface RestoreOptions {
  /** Open gaps, as `openGaps()` listed them. */
  gaps?: readonly OpenGap[];
  /** Known epochs per source, oldest first, so epochs that no cursor is in still rank (for the deduper's seed). */
  epochs?: readonly { source: string; epoch: bigint }[];
}

export interface Sequencer {
  observe(frame: SequencedFrame): SequenceDecision;
  heartbeat(beat: HeartbeatFrame, options: { isWanted(topic: string): boolean }): HeartbeatResult;
  /**
   * Resumes from persisted state; call it before the first `observe()`. Epochs are ranked in first-seen order:
   * first those in `epochs` (oldest first), then any others in the order they appear in `cursors` (the order
   * `cursors()` returns them in keeps the ranks). Replaces the state of the topics named. Gaps of a topic without a
   * cursor, or of an epoch that is not the topic's, are obsolete and ignored.
   */
  restore(cursors: readonly SequencerCursor[], options?: RestoreOptions): void;
  cursor(source: string, topic: string): { epoch: bigint; lastSeq: number } | undefined;
  /** Every stream's cursor, by source, then epoch rank, then topic — the order `restore()` wants. */
  cursors(): SequencerCursor[];
  openGaps(): OpenGap[];
  /** Gives up on a range (the publisher cannot serve it); returns how many missing seqs that removed. */
  markUnfillable(gap: OpenGap): number;
  /** 0, 1, 2 … in the order this source's epochs were first seen; -1 for an epoch never seen. */
  epochRank(source: string, epoch: bigint): number;
}

interface TopicState {
  epoch: bigint;
  lastSeq: number;
  /** Ascending, disjoint, non-adjacent inclusive ranges, all at or below lastSeq. */
  gaps: SeqRange[];
}

interface SourceState {
  ranks: Map<bigint, number>;
  currentRank: number;
  currentEpoch: bigint;
  topics: Map<string, TopicState>;
}

const DEFAULT_REGRESSION_WINDOW = 1000;
const DEFAULT_MAX_GAPS_PER_TOPIC = 1024;

export function createSequencer(options: SequencerOptions = {}): Sequencer {
  const regressionWindow = options.regressionWindow ?? DEFAULT_REGRESSION_WINDOW;
  const maxGaps = options.maxGapsPerTopic ?? DEFAULT_MAX_GAPS_PER_TOPIC;
  const lateJoinSeqs = options.lateJoinSeqs ?? 0;
  if (!Number.isSafeInteger(lateJoinSeqs) || lateJoinSeqs < 0) {
    throw new RangeError(`Cannot create sequencer: lateJoinSeqs must be a whole number >= 0, got ${lateJoinSeqs}`);
  }
  if (!Number.isSafeInteger(regressionWindow) || regressionWindow < 0) {
    throw new RangeError(
      `Cannot create sequencer: regressionWindow must be a whole number >= 0, got ${regressionWindow}`,
    );
  }
  if (!Number.isSafeInteger(maxGaps) || maxGaps < 1) {
    throw new RangeError(`Cannot create sequencer: maxGapsPerTopic must be a whole number >= 1, got ${maxGaps}`);
  }

  const sources = new Map<string, SourceState>();

  /** Ranks the epoch, registering it as the source's newest if it was never seen. */
  function rankEpoch(source: string, epoch: bigint): { state: SourceState; rank: number; seen: boolean } {
    let state = sources.get(source);
    if (!state) {
      state = { ranks: new Map(), currentRank: -1, currentEpoch: epoch, topics: new Map() };
      sources.set(source, state);
    }
    const known = state.ranks.get(epoch);
    if (known !== undefined) return { state, rank: known, seen: true };
    const rank = state.ranks.size;
    state.ranks.set(epoch, rank);
    state.currentRank = rank;
    state.currentEpoch = epoch;
    return { state, rank, seen: false };
  }

  function addGap(topic: TopicState, fromSeq: number, toSeq: number): void {
    topic.gaps.push({ fromSeq, toSeq });
    enforceBound(topic.gaps);
  }

  function enforceBound(gaps: SeqRange[]): void {
    while (gaps.length > maxGaps) {
      const [first, second] = gaps;
      gaps.splice(0, 2, { fromSeq: first.fromSeq, toSeq: second.toSeq });
    }
  }

  function leaveEpoch(topic: TopicState, epoch: bigint, lastSeq: number): PreviousEpoch {
    const previous = { epoch: topic.epoch, lastSeq: topic.lastSeq, gaps: topic.gaps };
    topic.epoch = epoch;
    topic.lastSeq = lastSeq;
    topic.gaps = [];
    return previous;
  }

  /** The seqs up to `lastKnown` that a late join fetches, or null for none. */
  function lateJoinHead(lastKnown: number): SeqRange | null {
    if (lateJoinSeqs === 0 || lastKnown < 1) return null;
    return { fromSeq: Math.max(1, lastKnown - lateJoinSeqs + 1), toSeq: lastKnown };
  }

  function observe(frame: SequencedFrame): SequenceDecision {
    const { seq } = frame;
    if (!Number.isSafeInteger(seq) || seq < 1) {
      return {
        kind: "rejected",
        reason: "bad_seq",
        message: `Cannot sequence ${frame.topic} from ${frame.source}: seq must be a whole number >= 1, got ${seq}`,
      };
    }
    const { state, rank } = rankEpoch(frame.source, frame.epoch);
    if (rank < state.currentRank) return { kind: "stale_epoch", currentEpoch: state.currentEpoch };

    const topic = state.topics.get(frame.topic);
    if (!topic) {
      const fresh: TopicState = { epoch: frame.epoch, lastSeq: seq, gaps: [] };
      state.topics.set(frame.topic, fresh);
      const head = lateJoinHead(seq - 1);
      if (head === null) return { kind: "accept" };
      addGap(fresh, head.fromSeq, head.toSeq);
      return { kind: "gap", ...head };
    }
    if (topic.epoch !== frame.epoch) {
      // The topic's epoch is older than the current one (the current one is the newest by construction).
      const previous = leaveEpoch(topic, frame.epoch, seq);
      if (seq === 1) return { kind: "new_epoch", previous, gap: null };
      addGap(topic, 1, seq - 1);
      return { kind: "new_epoch", previous, gap: { fromSeq: 1, toSeq: seq - 1 } };
    }

    const { lastSeq } = topic;
    if (seq === lastSeq + 1) {
      topic.lastSeq = seq;
      return { kind: "accept" };
    }
    if (seq > lastSeq) {
      addGap(topic, lastSeq + 1, seq - 1);
      topic.lastSeq = seq;
      return { kind: "gap", fromSeq: lastSeq + 1, toSeq: seq - 1 };
    }
    const index = findGap(topic.gaps, seq);
    if (index >= 0) return { kind: "fill", closed: fillGap(topic.gaps, index, seq) };
    if (lastSeq - seq > regressionWindow) return { kind: "regression", lastSeq };
    return { kind: "duplicate" };
  }

  function fillGap(gaps: SeqRange[], index: number, seq: number): boolean {
    const gap = gaps[index];
    if (gap.fromSeq === gap.toSeq) {
      gaps.splice(index, 1);
      return true;
    }
    if (seq === gap.fromSeq) gap.fromSeq++;
    else if (seq === gap.toSeq) gap.toSeq--;
    else {
      gaps.splice(index, 1, { fromSeq: gap.fromSeq, toSeq: seq - 1 }, { fromSeq: seq + 1, toSeq: gap.toSeq });
      enforceBound(gaps);
    }
    return false;
  }

  function heartbeat(beat: HeartbeatFrame, options: { isWanted(topic: string): boolean }): HeartbeatResult {
    const { state, rank, seen } = rankEpoch(beat.source, beat.epoch);
    if (rank < state.currentRank) return { epoch: "stale", gaps: [], switched: [] };
    const gaps: OpenGap[] = [];
    const switched: EpochSwitch[] = [];
    for (const { topic: name, seq } of beat.cursors) {
      if (!Number.isSafeInteger(seq) || seq < 0 || !options.isWanted(name)) continue;
      const topic = state.topics.get(name);
      if (!topic) {
        // A baseline: like a first frame, a late join; its recent head becomes a gap if `lateJoinSeqs` asks.
        const fresh: TopicState = { epoch: beat.epoch, lastSeq: seq, gaps: [] };
        state.topics.set(name, fresh);
        const head = lateJoinHead(seq);
        if (head !== null) {
          addGap(fresh, head.fromSeq, head.toSeq);
          gaps.push({ source: beat.source, topic: name, epoch: beat.epoch, ...head });
        }
        continue;
      }
      if (topic.epoch !== beat.epoch) switched.push({ topic: name, previous: leaveEpoch(topic, beat.epoch, 0) });
      if (seq > topic.lastSeq) {
        const gap = { source: beat.source, topic: name, epoch: beat.epoch, fromSeq: topic.lastSeq + 1, toSeq: seq };
        addGap(topic, gap.fromSeq, gap.toSeq);
        // The cursor moves to the heartbeat's seq so the next heartbeat or frame does not report this tail again.
        topic.lastSeq = seq;
        gaps.push(gap);
      }
    }
    return { epoch: seen ? "current" : "new", gaps, switched };
  }

  function restore(cursors: readonly SequencerCursor[], options: RestoreOptions = {}): void {
    for (const { source, epoch } of options.epochs ?? []) rankEpoch(source, epoch);
    for (const cursor of cursors) {
      if (!Number.isSafeInteger(cursor.lastSeq) || cursor.lastSeq < 0) {
        throw new RangeError(
          `Cannot restore cursor of ${cursor.topic} from ${cursor.source}: ` +
            `lastSeq must be a whole number >= 0, got ${cursor.lastSeq}`,
        );
      }
      const { state } = rankEpoch(cursor.source, cursor.epoch);
      state.topics.set(cursor.topic, { epoch: cursor.epoch, lastSeq: cursor.lastSeq, gaps: [] });
    }
    const touched = new Set<TopicState>();
    for (const gap of options.gaps ?? []) {
      if (
        !Number.isSafeInteger(gap.fromSeq) || !Number.isSafeInteger(gap.toSeq) || gap.fromSeq < 1 ||
        gap.toSeq < gap.fromSeq
      ) {
        throw new RangeError(
          `Cannot restore gap of ${gap.topic} from ${gap.source}: ` +
            `expected whole numbers 1 <= fromSeq <= toSeq, got ${gap.fromSeq}..${gap.toSeq}`,
        );
      }
      const topic = sources.get(gap.source)?.topics.get(gap.topic);
      if (!topic || topic.epoch !== gap.epoch) continue;
      topic.gaps.push({ fromSeq: gap.fromSeq, toSeq: gap.toSeq });
      // A gap past the cursor means a heartbeat had told us those seqs exist.
      if (gap.toSeq > topic.lastSeq) topic.lastSeq = gap.toSeq;
      touched.add(topic);
    }
    for (const topic of touched) {
      topic.gaps = normalize(topic.gaps);
      enforceBound(topic.gaps);
    }
  }

  function cursor(source: string, topic: string): { epoch: bigint; lastSeq: number } | undefined {
    const state = sources.get(source)?.topics.get(topic);
    return state ? { epoch: state.epoch, lastSeq: state.lastSeq } : undefined;
  }

  function cursors(): SequencerCursor[] {
    const out: SequencerCursor[] = [];
    for (const [source, state] of [...sources].sort(([a], [b]) => compareText(a, b))) {
      const topics = [...state.topics].sort(([topicA, a], [topicB, b]) =>
        (state.ranks.get(a.epoch) ?? 0) - (state.ranks.get(b.epoch) ?? 0) || compareText(topicA, topicB)
      );
      for (const [topic, { epoch, lastSeq }] of topics) out.push({ source, topic, epoch, lastSeq });
    }
    return out;
  }

  function openGaps(): OpenGap[] {
    const out: OpenGap[] = [];
    for (const [source, state] of sources) {
      for (const [topic, { epoch, gaps }] of state.topics) {
        for (const { fromSeq, toSeq } of gaps) out.push({ source, topic, epoch, fromSeq, toSeq });
      }
    }
    return out;
  }

  function markUnfillable(gap: OpenGap): number {
    const topic = sources.get(gap.source)?.topics.get(gap.topic);
    if (!topic || topic.epoch !== gap.epoch) return 0;
    let removed = 0;
    const kept: SeqRange[] = [];
    for (const range of topic.gaps) {
      const from = Math.max(range.fromSeq, gap.fromSeq);
      const to = Math.min(range.toSeq, gap.toSeq);
      if (from > to) {
        kept.push(range);
        continue;
      }
      removed += to - from + 1;
      if (range.fromSeq < from) kept.push({ fromSeq: range.fromSeq, toSeq: from - 1 });
      if (range.toSeq > to) kept.push({ fromSeq: to + 1, toSeq: range.toSeq });
    }
    topic.gaps = kept;
    return removed;
  }

  function epochRank(source: string, epoch: bigint): number {
    return sources.get(source)?.ranks.get(epoch) ?? -1;
  }

  return { observe, heartbeat, restore, cursor, cursors, openGaps, markUnfillable, epochRank };
}

/** Index of the range holding `seq`, or -1. */
function findGap(gaps: readonly SeqRange[], seq: number): number {
  let low = 0;
  let high = gaps.length - 1;
  while (low <= high) {
    const mid = (low + high) >>> 1;
    const gap = gaps[mid];
    if (seq < gap.fromSeq) high = mid - 1;
    else if (seq > gap.toSeq) low = mid + 1;
    else return mid;
  }
  return -1;
}

/** Sorts ranges and merges overlapping or adjacent ones. */
function normalize(gaps: SeqRange[]): SeqRange[] {
  const sorted = [...gaps].sort((a, b) => a.fromSeq - b.fromSeq);
  const out: SeqRange[] = [];
  for (const gap of sorted) {
    const last = out[out.length - 1];
    if (last && gap.fromSeq <= last.toSeq + 1) last.toSeq = Math.max(last.toSeq, gap.toSeq);
    else out.push({ ...gap });
  }
  return out;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
