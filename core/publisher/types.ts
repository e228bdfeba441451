/** The demo publisher's public shapes: what `startPublisher()` takes, reports and returns. */
import type { Logger } from "../log.ts";
import type { Status } from "../wire/types.ts";
import type { FaultOptions, GarbageKind } from "./createFaultInjector.ts";
import type { ReplayStream } from "./createStreamReplay.ts";

export type { ReplayStream };

export interface PublisherOptions {
  /** Streams to replay, in memory. A symbol's first stream also drives its tick and trade topics. */
  streams: readonly ReplayStream[];
  /** PUB endpoint to bind. Default `tcp://127.0.0.1:5556`; `tcp://127.0.0.1:0` or `:*` picks a free port. */
  pubEndpoint?: string;
  /** REP endpoint for backfills. Default `tcp://127.0.0.1:5557`. */
  reqEndpoint?: string;
  /**
   * Replay pace: N = N times real time by bar index (60: a 1-minute bar per second), or "max" = as fast as the
   * socket takes. Ignored when `rate` is set. Default 60.
   */
  speed?: number | "max";
  /** Data messages per second overall (candles, ticks and trades), round-robin over the streams. */
  rate?: number;
  /** Most candles per message when closed bars go out together (catch-up, backlog, rate/max modes, time-range
   * backfill). Default 100. */
  batchSize?: number;
  /** Start again from the first bar, shifted in time, when a stream's data runs out. Default false. */
  loop?: boolean;
  /** Revisions of the forming bar sent before it closes (`last_is_partial`). Default 4; 0 = closed bars only. */
  partials?: number;
  /** Publish quotes on `tick.<SYMBOL>` derived from the candles. Default false. */
  ticks?: boolean;
  /** Publish trades on `trade.<SYMBOL>` derived from the candles. Default false. */
  trades?: boolean;
  /** Heartbeat period on `hb`. Default 1000 ms. */
  heartbeatMs?: number;
  /** Messages kept per topic for backfill by seq. Default 4096. */
  historyLimit?: number;
  /** Most data frames in one backfill reply; more is TooLarge. Default 2000. */
  maxBackfill?: number;
  /** Bars per stream sent at once, closed, at the start (history for a chart); live pacing starts after. Default 0. */
  backlogBars?: number;
  /** Chaos: seeded drops, duplicates, swaps and invalid frames. Default none. */
  faults?: Partial<FaultOptions>;
  /** The envelope's `source`. Default "demo". */
  source?: string;
  /** Session id. Default: the start time in ms, made larger than any earlier epoch of this process. */
  epoch?: bigint;
  /** "Now" for the time shift of the replayed bars (ms since the Unix epoch). Default: the start time. */
  anchorMs?: number;
  /** Bind and send heartbeats, but hold the replay until `resume()` (so a subscriber can connect first). */
  paused?: boolean;
  /** Wait for slow subscribers instead of dropping at the high-water mark (see openPublisherSocket). Default false. */
  noDrop?: boolean;
  /** PUB high-water mark, messages per subscriber. Default 10000. */
  sendHighWaterMark?: number;
  /** Where the status line and lifecycle messages go; none = quiet. */
  logger?: Logger;
  /** Status line period when a logger is given; 0 = none. Default 5000 ms. */
  statusMs?: number;
  /** Called for every frame put on (or deliberately kept off) the PUB socket, in wire order. */
  onSend?: (event: SendEvent) => void;
}

/**
 * One frame's fate, in the order frames reach the wire.
 * - `sent`: a data or heartbeat message (`reordered`: it went out after the next message of its topic).
 * - `duplicate`: the second copy of the message just sent with the same seq.
 * - `dropped`: the message got its seq (it is in the history) but was never sent.
 * - `garbage`: an invalid frame on `topic`; it has no seq (`seq` is 0).
 */
export interface SendEvent {
  fate: "sent" | "duplicate" | "dropped" | "garbage";
  topic: string;
  seq: number;
  frame: Uint8Array;
  reordered: boolean;
  /** The kind of invalid frame, for `garbage`. */
  garbage: GarbageKind | null;
}

export interface PublisherStats {
  epoch: bigint;
  source: string;
  /** Topics that have a seq in this epoch (heartbeats not counted). */
  topics: number;
  /** Data frames put on the wire: candle, tick and trade messages, duplicates included, garbage not. */
  messages: number;
  /** Candles in the candle messages put on the wire (revisions included). */
  candles: number;
  /** Bars sent closed (dropped ones included: they are backfillable). */
  closedBars: number;
  /** Partial revisions published (dropped ones included). */
  partials: number;
  ticks: number;
  trades: number;
  heartbeats: number;
  /** Bytes of every frame sent on PUB, topics excluded. */
  bytes: number;
  dropped: number;
  duplicated: number;
  reordered: number;
  garbage: number;
  garbageByKind: Record<GarbageKind, number>;
  /** Times a send waited for room (EAGAIN of a noDrop PUB). */
  sendWaits: number;
  /** Times a stream wrapped around to its first bar (with `loop`). */
  laps: number;
  backfillRequests: number;
  /** Data frames sent in backfill replies. */
  backfillFrames: number;
  backfillByStatus: Record<Status, number>;
  /** True once every stream has run out (never with `loop`). */
  finished: boolean;
}

export interface Publisher {
  /** The endpoints actually bound (a `:0` or `:*` port resolved). */
  readonly endpoints: { pub: string; req: string };
  readonly epoch: bigint;
  readonly source: string;
  /** A snapshot of the counters. */
  readonly stats: PublisherStats;
  /** Resolves when every stream has run out (never with `loop`) or the publisher stopped. */
  readonly finished: Promise<void>;
  /** Starts the replay of a publisher started with `paused`; no-op otherwise. */
  resume(): void;
  /** Stops the replay and the backfill server and closes both sockets. Idempotent. */
  stop(): Promise<void>;
}
