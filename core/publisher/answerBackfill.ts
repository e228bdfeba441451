/**
 * `answerBackfill()`: the reply to one REQ message, as the frames to send on REP (../../../shared/WIRE.md, Backfill).
 * Pure apart from reading the publisher's state through `BackfillSource`; every request gets a reply, a malformed
 * one included, so the REP socket's receive/send cycle never breaks.
 *
 * - By seq (`from_seq > 0`): the exact bytes of messages `from_seq..to_seq` (`to_seq` 0 = the latest) from the
 *   topic's bounded history, dropped messages included (they got their seq). Older than the history: Unavailable.
 *   Past the latest seq, or a request envelope whose `epoch` is neither 0 nor the current one: NotFound.
 * - By time (`from_seq` 0, candle topics only): the closed bars whose open time lies in `from_ms..to_ms` (0 = that
 *   end unbounded), re-encoded as closed batches of `batchSize`. These are new envelopes, so they need a seq: each
 *   carries the seq of the live message that closed its newest bar (see createCloseLog), which is what a subscriber's
 *   newest-revision-wins dedupe needs. Only bars already closed in this epoch are served; the bar still forming is
 *   not (it would be a second, different "closed" copy).
 * - More than `maxFrames` data frames: TooLarge. A request that cannot be read or makes no sense: BadRequest.
 */
import { decodeFrame } from "../wire/decode.ts";
import { encodeEnvelope } from "../wire/encode.ts";
import { type Candle, SCHEMA_VERSION, type Status } from "../wire/types.ts";
import type { CloseLog } from "./createCloseLog.ts";
import type { StreamReplay } from "./createStreamReplay.ts";
import type { TopicHistory } from "./createTopicHistory.ts";

export interface BackfillSource {
  source: string;
  epoch: bigint;
  /** Candles per frame of a time-range reply. */
  batchSize: number;
  /** Most data frames one reply may carry. */
  maxFrames: number;
  /** The history of a topic that has sent at least one message. */
  history(topic: string): TopicHistory | undefined;
  /** The replay and close log of a candle topic. */
  candles(topic: string): { replay: StreamReplay; closes: CloseLog } | undefined;
  /** Every topic this publisher serves, for the message about an unknown one. */
  topics(): readonly string[];
  nowNs(): bigint;
}

export interface BackfillAnswer {
  requestId: bigint;
  /** The topic asked about; "" when the request could not be read. */
  topic: string;
  status: Status;
  message: string;
  /** The reply envelope, then the data frames. */
  frames: Uint8Array[];
}

export function answerBackfill(parts: readonly Uint8Array[], source: BackfillSource): BackfillAnswer {
  if (parts.length !== 1) {
    return reply(source, 0n, "", "bad_request", `a backfill request is one frame, got ${parts.length}`, []);
  }
  const decoded = decodeFrame(parts[0]);
  if (decoded.kind === "rejected") {
    return reply(source, 0n, "", "bad_request", `cannot read the request (${decoded.reason}): ${decoded.message}`, []);
  }
  const { envelope } = decoded;
  const request = envelope.payload;
  if (request.kind !== "backfill_request") {
    return reply(
      source,
      0n,
      "",
      "bad_request",
      `expected a backfill_request envelope, got ${request.kind}`,
      [],
    );
  }
  const { requestId, topic } = request;
  const fail = (status: Status, message: string): BackfillAnswer =>
    reply(source, requestId, topic, status, message, []);

  const history = source.history(topic);
  const candles = source.candles(topic);
  if (history === undefined && candles === undefined) {
    const known = source.topics();
    const listed = known.slice(0, 5).join(", ") + (known.length > 5 ? `, … (${known.length} topics)` : "");
    return fail("bad_request", `unknown topic ${JSON.stringify(topic)}; this publisher serves ${listed || "nothing"}`);
  }
  if (request.fromSeq > 0) {
    const { fromSeq, toSeq } = request;
    // Seqs only mean something within an epoch; a request that names another one (0 = "yours") cannot be served.
    if (envelope.epoch !== 0n && envelope.epoch !== source.epoch) {
      return fail(
        "not_found",
        `epoch ${envelope.epoch} is not this publisher's current epoch ${source.epoch}: its messages are gone ` +
          "(the publisher restarted); ask by time instead",
      );
    }
    if (toSeq !== 0 && toSeq < fromSeq) return fail("bad_request", `from_seq ${fromSeq} is after to_seq ${toSeq}`);
    const lastSeq = history?.lastSeq ?? 0;
    const toSeqOrLast = toSeq === 0 ? lastSeq : toSeq;
    if (history === undefined || fromSeq > lastSeq || toSeqOrLast > lastSeq) {
      return fail(
        "not_found",
        `${topic} has seqs 1..${lastSeq} in epoch ${source.epoch}; asked for ${fromSeq}..${toSeq || "latest"}`,
      );
    }
    const count = toSeqOrLast - fromSeq + 1;
    if (count > source.maxFrames) {
      return fail(
        "too_large",
        `${topic} seqs ${fromSeq}..${toSeqOrLast} are ${count} frames; the limit is ${source.maxFrames} per request`,
      );
    }
    if (fromSeq < history.firstSeq) {
      return fail(
        "unavailable",
        `${topic} seqs ${fromSeq}..${history.firstSeq - 1} are no longer held (the history keeps seqs ` +
          `${history.firstSeq}..${lastSeq}); ask by time instead`,
      );
    }
    const frames: Uint8Array[] = [];
    for (let seq = fromSeq; seq <= toSeqOrLast; seq++) frames.push(history.get(seq)!);
    return reply(source, requestId, topic, "ok", `${topic} seqs ${fromSeq}..${toSeqOrLast}`, frames);
  }

  if (candles === undefined) {
    return fail("bad_request", `${topic} is not a candle topic; backfill by time serves candles only, ask by seq`);
  }
  const { fromMs, toMs } = request;
  if (fromMs !== 0 && toMs !== 0 && fromMs > toMs) {
    return fail("bad_request", `from_ms ${fromMs} is after to_ms ${toMs}`);
  }
  const { replay, closes } = candles;
  const oldest = closes.oldestBar;
  const closed = closes.closedBars;
  if (oldest > 0 && fromMs !== 0 && fromMs < replay.openTimeAt(oldest)) {
    return fail(
      "unavailable",
      `${topic} bars before ${replay.openTimeAt(oldest)} ms are no longer held; ask from there or with from_ms 0`,
    );
  }
  const first = fromMs === 0 ? oldest : replay.firstIndexAtOrAfter(fromMs, oldest, closed);
  const end = toMs === 0 ? closed : replay.firstIndexAtOrAfter(toMs + 1, first, closed);
  const bars = Math.max(0, end - first);
  const frameCount = Math.ceil(bars / source.batchSize);
  if (frameCount > source.maxFrames) {
    return fail(
      "too_large",
      `${topic} has ${bars} closed bars in ${fromMs || "-inf"}..${toMs || "+inf"} ms, ${frameCount} frames of ` +
        `${source.batchSize}; the limit is ${source.maxFrames} frames per request; narrow the range`,
    );
  }
  const frames: Uint8Array[] = [];
  const nowNs = source.nowNs();
  for (let start = first; start < end; start += source.batchSize) {
    const stop = Math.min(end, start + source.batchSize);
    const batch: Candle[] = [];
    for (let i = start; i < stop; i++) batch.push(replay.barAt(i));
    frames.push(encodeEnvelope({
      schemaVersion: SCHEMA_VERSION,
      source: source.source,
      epoch: source.epoch,
      seq: closes.closingSeq(stop - 1)!,
      symbol: replay.symbol,
      sourceTsNs: nowNs,
      payload: { kind: "candles", interval: replay.interval, candles: batch, lastIsPartial: false },
    }));
  }
  return reply(source, requestId, topic, "ok", `${topic}: ${bars} closed bars in ${frames.length} frames`, frames);
}

function reply(
  source: BackfillSource,
  requestId: bigint,
  topic: string,
  status: Status,
  message: string,
  data: Uint8Array[],
): BackfillAnswer {
  const head = encodeEnvelope({
    schemaVersion: SCHEMA_VERSION,
    source: source.source,
    epoch: source.epoch,
    // Replies travel on REQ/REP, outside every topic's sequence.
    seq: 0,
    symbol: "",
    sourceTsNs: source.nowNs(),
    payload: { kind: "backfill_reply", requestId, status, message, count: data.length },
  });
  return { requestId, topic, status, message, frames: [head, ...data] };
}
