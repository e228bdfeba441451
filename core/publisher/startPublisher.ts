/**
 * `startPublisher()`: the demo publisher (../../../shared/WIRE.md) as a library, for tests, the benchmark,
 * `deno task publish` and the demo embedded in `deno task start`.
 *
 * It binds a PUB and a REP socket and runs two loops on them until `stop()`:
 * - the send loop, the only writer of the PUB socket: heartbeats on `hb` every `heartbeatMs`, and the replay of
 *   the streams (see createStreamReplay for the time model) paced by `speed` (bar index × interval / speed),
 *   `rate` (messages per second, round-robin) or "max" (as fast as the socket takes, yielding to the event loop
 *   every few ms so that heartbeats and backfills are served). Every message gets the next seq of its topic and
 *   its exact bytes go into the topic's history before the fault injector decides its fate.
 * - the backfill loop on REP: one request, one reply (answerBackfill), whatever the request looks like.
 *
 * Message plan of a stream: `partials` revisions of the forming bar (`last_is_partial`), then the bar closed. Closed
 * bars that are due together (the backlog, a stall, rate/max modes) go out in batches of up to `batchSize`; in
 * rate/max modes a stream step is the partials of its next bar, then a batch that closes it and the next ones.
 */
import type * as zmq from "zeromq";
import { setImmediate } from "node:timers";
import { encodeEnvelope } from "../wire/encode.ts";
import { type Candle, HEARTBEAT_TOPIC, type Payload, SCHEMA_VERSION, type Status } from "../wire/types.ts";
import {
  closeBoundSocket,
  isAgain,
  openPublisherSocket,
  openReplySocket,
  receivePolling,
  sendPolling,
} from "../zmq/zmqDeno.ts";
import { answerBackfill, type BackfillAnswer, type BackfillSource } from "./answerBackfill.ts";
import { type CloseLog, createCloseLog } from "./createCloseLog.ts";
import { createFaultInjector, GARBAGE_KINDS, type GarbageKind, NO_FAULTS } from "./createFaultInjector.ts";
import { createStreamReplay, type StreamReplay } from "./createStreamReplay.ts";
import { createTapeDeriver, type TapeDeriver } from "./createTapeDeriver.ts";
import { createTopicHistory, type TopicHistory } from "./createTopicHistory.ts";
import { formatStatusLine } from "./formatStatusLine.ts";
import { garbageFrame } from "./garbageFrame.ts";
import { nextEpoch } from "./nextEpoch.ts";
import { partialRevision } from "./partialRevision.ts";
import type { Publisher, PublisherOptions, PublisherStats, SendEvent } from "./types.ts";

export const DEFAULT_PUB_ENDPOINT = "tcp://127.0.0.1:5556";
export const DEFAULT_REQ_ENDPOINT = "tcp://127.0.0.1:5557";

/** In "max" and catch-up work, the send loop yields to the event loop after this long. */
const SLICE_MS = 10;
/** Closing messages remembered per stream for backfill by time (see createCloseLog). */
const CLOSE_LOG_CAPACITY = 1 << 16;
const STATUSES: readonly Status[] = ["ok", "not_found", "bad_request", "too_large", "unavailable"];

interface StreamState {
  replay: StreamReplay;
  closes: CloseLog;
  /** Bars in the stream's data (one lap). */
  dataBars: number;
  /** Bars sent closed at the start, before pacing begins. */
  backlog: number;
  /** Wall-clock ms per bar in speed mode. */
  periodMs: number;
  /** The next bar to close; bars before it are closed. */
  nextBar: number;
  /** Revisions of `nextBar` sent so far. */
  partialsSent: number;
  /** Ticks and trades of the symbol ride on its first stream. */
  tape: TapeDeriver | null;
  tickTopic: string;
  tradeTopic: string;
}

interface HeldMessage {
  seq: number;
  frame: Uint8Array;
  duplicate: boolean;
}

/** Binds the sockets and starts publishing; throws a BindError when an endpoint is taken, a RangeError on bad options. */
export async function startPublisher(options: PublisherOptions): Promise<Publisher> {
  const speed = options.speed ?? 60;
  const rate = options.rate;
  const batchSize = options.batchSize ?? 100;
  const loop = options.loop ?? false;
  const partials = options.partials ?? 4;
  const heartbeatMs = options.heartbeatMs ?? 1000;
  const historyLimit = options.historyLimit ?? 4096;
  const maxBackfill = options.maxBackfill ?? 2000;
  const backlogBars = options.backlogBars ?? 0;
  const source = options.source ?? "demo";
  const statusMs = options.statusMs ?? 5000;
  const logger = options.logger;
  const onSend = options.onSend;
  checkOptions({ speed, rate, batchSize, partials, heartbeatMs, historyLimit, maxBackfill, backlogBars, statusMs });
  const faults = createFaultInjector({ ...NO_FAULTS, ...options.faults });
  const epoch = options.epoch ?? nextEpoch();
  const anchorMs = options.anchorMs ?? Date.now();

  const streams: StreamState[] = [];
  const byTopic = new Map<string, StreamState>();
  const tapedSymbols = new Set<string>();
  for (const stream of options.streams) {
    const backlog = Math.min(backlogBars, loop ? backlogBars : stream.candles.length);
    const replay = createStreamReplay(stream, { anchorMs, anchorBar: backlog, loop });
    if (byTopic.has(replay.topic)) {
      throw new RangeError(`Cannot publish ${replay.topic} twice: each (symbol, interval) may be given once`);
    }
    const taped = (options.ticks || options.trades) && !tapedSymbols.has(replay.symbol);
    if (taped) tapedSymbols.add(replay.symbol);
    const state: StreamState = {
      replay,
      closes: createCloseLog(CLOSE_LOG_CAPACITY),
      dataBars: stream.candles.length,
      backlog,
      periodMs: speed === "max" ? 0 : replay.intervalMs / speed,
      nextBar: 0,
      partialsSent: 0,
      tape: taped ? createTapeDeriver() : null,
      tickTopic: `tick.${replay.symbol}`,
      tradeTopic: `trade.${replay.symbol}`,
    };
    streams.push(state);
    byTopic.set(replay.topic, state);
  }

  const allTopics = [
    ...streams.map((s) => s.replay.topic),
    ...(options.ticks ? [...tapedSymbols].map((s) => `tick.${s}`) : []),
    ...(options.trades ? [...tapedSymbols].map((s) => `trade.${s}`) : []),
    HEARTBEAT_TOPIC,
  ];
  const histories = new Map<string, TopicHistory>(allTopics.map((t) => [t, createTopicHistory(historyLimit)]));
  const lastSeqs = new Map<string, number>();
  const topicBytes = new Map<string, Uint8Array>();
  const encoder = new TextEncoder();
  const held = new Map<string, HeldMessage>();

  const counters = {
    messages: 0,
    candles: 0,
    closedBars: 0,
    partials: 0,
    ticks: 0,
    trades: 0,
    heartbeats: 0,
    bytes: 0,
    dropped: 0,
    duplicated: 0,
    reordered: 0,
    garbage: 0,
    garbageByKind: Object.fromEntries(GARBAGE_KINDS.map((k) => [k, 0])) as Record<GarbageKind, number>,
    sendWaits: 0,
    backfillRequests: 0,
    backfillFrames: 0,
    backfillByStatus: Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<Status, number>,
  };
  let finished = false;
  /** Data messages given a seq (sent, dropped or held), for the rate. */
  let published = 0;

  const { socket: pub, endpoint: pubEndpoint } = await openPublisherSocket(
    options.pubEndpoint ?? DEFAULT_PUB_ENDPOINT,
    { noDrop: options.noDrop ?? false, sendHighWaterMark: options.sendHighWaterMark ?? 10_000 },
  );
  let rep: zmq.Reply;
  let reqEndpoint: string;
  try {
    ({ socket: rep, endpoint: reqEndpoint } = await openReplySocket(options.reqEndpoint ?? DEFAULT_REQ_ENDPOINT));
  } catch (error) {
    await closeBoundSocket(pub, pubEndpoint);
    throw error;
  }

  const abort = new AbortController();
  const signal = abort.signal;
  let paused = options.paused ?? false;
  let wake: (() => void) | null = null;
  /** Set by resume() and stop() so that a sleep that had not begun yet when they ran does not begin. */
  let wakeRequested = false;
  let resolveFinished!: () => void;
  const finishedPromise = new Promise<void>((resolve) => resolveFinished = resolve);
  let failure: unknown = null;

  function nowNs(): bigint {
    return BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000)) * 1000n;
  }

  function snapshot(): PublisherStats {
    let laps = 0;
    for (const s of streams) laps += Math.floor(s.nextBar / s.dataBars);
    return {
      ...counters,
      garbageByKind: { ...counters.garbageByKind },
      backfillByStatus: { ...counters.backfillByStatus },
      epoch,
      source,
      topics: [...lastSeqs.keys()].filter((t) => t !== HEARTBEAT_TOPIC).length,
      laps: loop ? laps : 0,
      finished,
    };
  }

  // ---- the PUB side: every frame goes through put() --------------------------------------------------------

  async function put(topic: string, frame: Uint8Array): Promise<boolean> {
    let bytes = topicBytes.get(topic);
    if (bytes === undefined) topicBytes.set(topic, bytes = encoder.encode(topic));
    const message = [bytes, frame];
    try {
      await pub.send(message);
    } catch (error) {
      if (pub.closed) return false;
      if (!isAgain(error)) throw error;
      counters.sendWaits++;
      if ((await sendPolling(pub, message, { signal })).kind !== "sent") return false;
    }
    counters.bytes += frame.byteLength;
    return true;
  }

  function report(fate: SendEvent["fate"], topic: string, seq: number, frame: Uint8Array, extra?: {
    reordered?: boolean;
    garbage?: GarbageKind;
  }): void {
    onSend?.({ fate, topic, seq, frame, reordered: extra?.reordered ?? false, garbage: extra?.garbage ?? null });
  }

  async function putData(topic: string, message: HeldMessage, reordered: boolean): Promise<void> {
    if (!(await put(topic, message.frame))) return;
    counters.messages++;
    report("sent", topic, message.seq, message.frame, { reordered });
    if (message.duplicate && (await put(topic, message.frame))) {
      counters.messages++;
      counters.duplicated++;
      report("duplicate", topic, message.seq, message.frame, { reordered });
    }
  }

  /** Assigns the topic's next seq, records the frame, and sends it as the fault injector decides. */
  async function publish(topic: string, symbol: string, payload: Payload): Promise<number> {
    const seq = (lastSeqs.get(topic) ?? 0) + 1;
    lastSeqs.set(topic, seq);
    published++;
    const envelope = { schemaVersion: SCHEMA_VERSION, source, epoch, seq, symbol, sourceTsNs: nowNs(), payload };
    const frame = encodeEnvelope(envelope);
    histories.get(topic)!.push(seq, frame);
    const decision = faults.decide();
    if (decision.garbage !== null && payload.kind === "candles") {
      const bad = garbageFrame(
        decision.garbage,
        { envelope, interval: payload.interval, candle: payload.candles[0] },
        faults.nextFloat,
      );
      if (await put(topic, bad)) {
        counters.garbage++;
        counters.garbageByKind[decision.garbage]++;
        report("garbage", topic, 0, bad, { garbage: decision.garbage });
      }
    }
    const waiting = held.get(topic);
    if (decision.drop) {
      counters.dropped++;
      report("dropped", topic, seq, frame);
    } else {
      countPayload(payload, decision.duplicate);
      const message = { seq, frame, duplicate: decision.duplicate };
      if (decision.reorder && waiting === undefined) {
        held.set(topic, message);
        return seq;
      }
      await putData(topic, message, false);
    }
    if (waiting !== undefined) {
      held.delete(topic);
      if (!decision.drop) counters.reordered++;
      await putData(topic, waiting, !decision.drop);
    }
    return seq;
  }

  function countPayload(payload: Payload, duplicate: boolean): void {
    const copies = duplicate ? 2 : 1;
    switch (payload.kind) {
      case "candles":
        counters.candles += payload.candles.length * copies;
        break;
      case "ticks":
        counters.ticks += payload.ticks.length * copies;
        break;
      case "trades":
        counters.trades += payload.trades.length * copies;
        break;
      default:
        break;
    }
  }

  /** Sends the messages held back for a swap whose next message never came, so heartbeats never run ahead. */
  async function flushHeld(): Promise<void> {
    for (const [topic, message] of [...held]) {
      held.delete(topic);
      await putData(topic, message, false);
    }
  }

  async function heartbeat(): Promise<void> {
    await flushHeld();
    const cursors = [...lastSeqs].filter(([topic]) => topic !== HEARTBEAT_TOPIC).map(([topic, seq]) => ({
      topic,
      seq,
    }));
    const seq = (lastSeqs.get(HEARTBEAT_TOPIC) ?? 0) + 1;
    lastSeqs.set(HEARTBEAT_TOPIC, seq);
    const frame = encodeEnvelope({
      schemaVersion: SCHEMA_VERSION,
      source,
      epoch,
      seq,
      symbol: "",
      sourceTsNs: nowNs(),
      payload: { kind: "heartbeat", cursors },
    });
    histories.get(HEARTBEAT_TOPIC)!.push(seq, frame);
    if (await put(HEARTBEAT_TOPIC, frame)) {
      counters.heartbeats++;
      report("sent", HEARTBEAT_TOPIC, seq, frame);
    }
  }

  // ---- the replay ------------------------------------------------------------------------------------------

  async function sendCandles(s: StreamState, candles: Candle[], partial: boolean, fraction: number): Promise<number> {
    const { replay } = s;
    const seq = await publish(replay.topic, replay.symbol, {
      kind: "candles",
      interval: replay.interval,
      candles,
      lastIsPartial: partial,
    });
    if (s.tape !== null) {
      const { ticks, trades } = s.tape.derive(candles, { intervalMs: replay.intervalMs, fraction });
      if (options.ticks && ticks.length > 0) await publish(s.tickTopic, replay.symbol, { kind: "ticks", ticks });
      if (options.trades && trades.length > 0) await publish(s.tradeTopic, replay.symbol, { kind: "trades", trades });
    }
    return seq;
  }

  async function sendPartial(s: StreamState, step: number): Promise<void> {
    const index = s.nextBar;
    const fraction = step / (partials + 1);
    const candle = partialRevision(s.replay.barAt(index), fraction, wiggle(index, step));
    s.partialsSent = step;
    counters.partials++;
    await sendCandles(s, [candle], true, fraction);
  }

  /** Closes bars up to (not including) `upTo`, in batches. */
  async function closeBars(s: StreamState, upTo: number): Promise<void> {
    while (s.nextBar < upTo && !signal.aborted) {
      const first = s.nextBar;
      const end = Math.min(upTo, first + batchSize);
      const candles: Candle[] = [];
      for (let i = first; i < end; i++) candles.push(s.replay.barAt(i));
      s.nextBar = end;
      s.partialsSent = 0;
      counters.closedBars += end - first;
      const seq = await sendCandles(s, candles, false, 1);
      s.closes.record(first, end - 1, seq);
    }
  }

  /** One step of a stream in rate/max modes: the next partial revision, or the next closed batch. */
  async function stepStream(s: StreamState): Promise<void> {
    if (partials > 0 && s.partialsSent < partials) await sendPartial(s, s.partialsSent + 1);
    else await closeBars(s, Math.min(s.replay.bars, s.nextBar + batchSize));
  }

  let roundRobin = 0;
  /** Steps the next stream that has bars left; false when none has. */
  async function stepNext(): Promise<boolean> {
    for (let tried = 0; tried < streams.length; tried++) {
      const s = streams[roundRobin];
      roundRobin = (roundRobin + 1) % streams.length;
      if (s.nextBar < s.replay.bars) {
        await stepStream(s);
        return true;
      }
    }
    return false;
  }

  /** Speed mode: sends what is due at `now` and returns when the next thing is due. */
  async function paceBySpeed(now: number, startedAt: number): Promise<number> {
    let wakeAt = Infinity;
    for (const s of streams) {
      if (signal.aborted) break;
      const elapsedBars = (now - startedAt) / s.periodMs;
      const whole = Math.floor(elapsedBars);
      await closeBars(s, Math.min(s.replay.bars, s.backlog + whole));
      if (s.nextBar >= s.replay.bars) continue;
      let dueAt = startedAt + (whole + 1) * s.periodMs;
      if (partials > 0 && s.nextBar === s.backlog + whole) {
        const step = Math.floor((elapsedBars - whole) * (partials + 1));
        if (step > s.partialsSent) await sendPartial(s, step);
        dueAt = startedAt + (whole + (step + 1) / (partials + 1)) * s.periodMs;
      }
      wakeAt = Math.min(wakeAt, dueAt);
    }
    return wakeAt;
  }

  /**
   * Rate mode: sends the messages the rate allows by `now`, round-robin, and returns when the next one is due. A
   * step may publish a tick and a trade message too; the rate counts them all (`published`, backlog included).
   */
  async function paceByRate(now: number, startedAt: number, perSecond: number, base: number): Promise<number> {
    const due = base + Math.floor(((now - startedAt) * perSecond) / 1000) + 1;
    const sliceEnd = performance.now() + SLICE_MS;
    while (published < due && !signal.aborted) {
      if (!(await stepNext())) return Infinity;
      if (performance.now() >= sliceEnd) return performance.now();
    }
    return startedAt + ((published - base) * 1000) / perSecond;
  }

  /** Max mode: steps streams for one time slice; returns "now" so the loop yields and comes back. */
  async function paceAtMax(): Promise<number> {
    const sliceEnd = performance.now() + SLICE_MS;
    while (performance.now() < sliceEnd && !signal.aborted) {
      if (!(await stepNext())) return Infinity;
    }
    return performance.now();
  }

  function requestWake(): void {
    wakeRequested = true;
    wake?.();
  }

  function sleepUntil(atMs: number): Promise<void> {
    if (wakeRequested) {
      wakeRequested = false;
      return Promise.resolve();
    }
    const delayMs = atMs - performance.now();
    // setImmediate lets timers and I/O run without the ~2 ms floor of a zero setTimeout.
    if (delayMs <= 0) return new Promise((resolve) => setImmediate(resolve));
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        wake = null;
        resolve();
      };
      const timer = setTimeout(done, Math.min(Math.ceil(delayMs), 2_147_483_647));
      wake = done;
    });
  }

  async function runSendLoop(): Promise<void> {
    let nextHeartbeatAt = performance.now();
    let nextStatusAt = performance.now() + statusMs;
    let lastStatus = snapshot();
    let lastStatusAt = performance.now();
    let startedAt: number | null = null;
    let backlogMessages = 0;
    while (!signal.aborted) {
      const now = performance.now();
      if (now >= nextHeartbeatAt) {
        await heartbeat();
        nextHeartbeatAt += heartbeatMs;
        if (nextHeartbeatAt <= now) nextHeartbeatAt = now + heartbeatMs;
      }
      if (logger !== undefined && statusMs > 0 && now >= nextStatusAt) {
        const current = snapshot();
        logger.info(formatStatusLine(current, lastStatus, now - lastStatusAt));
        [lastStatus, lastStatusAt, nextStatusAt] = [current, now, now + statusMs];
      }
      let wakeAt = Math.min(nextHeartbeatAt, logger !== undefined && statusMs > 0 ? nextStatusAt : Infinity);
      if (!paused && !finished) {
        if (startedAt === null) {
          startedAt = now;
          for (const s of streams) await closeBars(s, s.backlog);
          backlogMessages = published;
        }
        const replayAt = rate !== undefined
          ? await paceByRate(now, startedAt, rate, backlogMessages)
          : speed === "max"
          ? await paceAtMax()
          : await paceBySpeed(now, startedAt);
        if (streams.every((s) => s.nextBar >= s.replay.bars)) {
          await flushHeld();
          finished = true;
          logger?.info("replay finished: every stream ran out of bars (use loop to replay them again)");
          resolveFinished();
        }
        wakeAt = Math.min(wakeAt, replayAt);
      }
      await sleepUntil(wakeAt);
    }
  }

  // ---- the REP side -----------------------------------------------------------------------------------------

  const backfillSource: BackfillSource = {
    source,
    epoch,
    batchSize,
    maxFrames: maxBackfill,
    history: (topic) => histories.get(topic),
    candles: (topic) => {
      const s = byTopic.get(topic);
      return s === undefined ? undefined : { replay: s.replay, closes: s.closes };
    },
    topics: () => allTopics,
    nowNs,
  };

  async function runBackfillLoop(): Promise<void> {
    while (!signal.aborted) {
      const received = await receivePolling(rep, { signal });
      if (received.kind !== "message") return;
      let answer: BackfillAnswer;
      try {
        answer = answerBackfill(received.parts, backfillSource);
      } catch (error) {
        // A bug must not wedge REP in its receive/send cycle: the client still gets a reply.
        answer = internalErrorReply(error);
      }
      counters.backfillRequests++;
      counters.backfillByStatus[answer.status]++;
      counters.backfillFrames += answer.frames.length - 1;
      logger?.debug("backfill", { topic: answer.topic, status: answer.status, frames: answer.frames.length - 1 });
      if ((await sendPolling(rep, answer.frames, { signal })).kind !== "sent") return;
    }
  }

  function internalErrorReply(error: unknown): BackfillAnswer {
    const message = `the publisher failed to answer: ${error instanceof Error ? error.message : String(error)}`;
    const frame = encodeEnvelope({
      schemaVersion: SCHEMA_VERSION,
      source,
      epoch,
      seq: 0,
      symbol: "",
      sourceTsNs: nowNs(),
      payload: { kind: "backfill_reply", requestId: 0n, status: "unavailable", message, count: 0 },
    });
    return { requestId: 0n, topic: "", status: "unavailable", message, frames: [frame] };
  }

  function guard(name: string, run: () => Promise<void>): Promise<void> {
    return run().catch((error) => {
      if (signal.aborted) return;
      failure ??= error;
      logger?.error(`${name} loop failed`, { error });
    });
  }

  const loops = [guard("send", runSendLoop), guard("backfill", runBackfillLoop)];
  logger?.info(
    `publishing ${streams.length} streams on PUB ${pubEndpoint}, backfill on REP ${reqEndpoint}, epoch ${epoch}`,
  );

  let stopping: Promise<void> | null = null;
  return {
    endpoints: { pub: pubEndpoint, req: reqEndpoint },
    epoch,
    source,
    get stats(): PublisherStats {
      return snapshot();
    },
    finished: finishedPromise,
    resume(): void {
      if (!paused) return;
      paused = false;
      requestWake();
    },
    stop(): Promise<void> {
      stopping ??= (async () => {
        abort.abort();
        requestWake();
        await Promise.all(loops);
        // Waits for libzmq to release the ports, so a restart on the same endpoints binds (see zmqDeno.ts).
        await Promise.all([closeBoundSocket(pub, pubEndpoint), closeBoundSocket(rep, reqEndpoint)]);
        resolveFinished();
        if (failure !== null) throw failure;
      })();
      return stopping;
    },
  };
}

/** A deterministic wiggle in [-1, 1] for revision `step` of bar `index`, so a replay repeats exactly. */
function wiggle(index: number, step: number): number {
  let h = Math.imul((index | 0) ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(step + 1, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
  return ((h ^ (h >>> 13)) >>> 0) / 2147483648 - 1;
}

function checkOptions(o: {
  speed: number | "max";
  rate: number | undefined;
  batchSize: number;
  partials: number;
  heartbeatMs: number;
  historyLimit: number;
  maxBackfill: number;
  backlogBars: number;
  statusMs: number;
}): void {
  const fail = (name: string, value: unknown, expected: string): never => {
    throw new RangeError(`Cannot start the publisher: ${name} is ${value}, expected ${expected}`);
  };
  if (o.speed !== "max" && !(o.speed > 0 && Number.isFinite(o.speed))) fail("speed", o.speed, 'a number > 0 or "max"');
  if (o.rate !== undefined && !(o.rate > 0 && Number.isFinite(o.rate))) fail("rate", o.rate, "a number > 0");
  const whole = (name: string, value: number, min: number): void => {
    if (!Number.isSafeInteger(value) || value < min) fail(name, value, `a whole number >= ${min}`);
  };
  whole("batchSize", o.batchSize, 1);
  whole("partials", o.partials, 0);
  whole("historyLimit", o.historyLimit, 1);
  whole("maxBackfill", o.maxBackfill, 1);
  whole("backlogBars", o.backlogBars, 0);
  if (!(o.heartbeatMs >= 1 && Number.isFinite(o.heartbeatMs))) fail("heartbeatMs", o.heartbeatMs, "a number >= 1");
  if (!(o.statusMs >= 0 && Number.isFinite(o.statusMs))) fail("statusMs", o.statusMs, "a number >= 0");
}
