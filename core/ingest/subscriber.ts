/**
 * `startSubscriber()`: the live stream's SUB side. It owns one SUB socket at a time, hands every `[topic, frame]`
 * message to a synchronous callback, and keeps the connection honest:
 *
 * - silence (no message at all, heartbeats included, for `heartbeatTimeoutMs`): the stream is `stale`; what the
 *   socket still holds is read, then it is closed and a fresh one opened after an exponential backoff with jitter.
 *   A half-open TCP connection (publisher host gone without a FIN) looks exactly like this. Still nothing on the
 *   fresh socket for another timeout: `offline`, and the socket keeps being replaced, with growing delays.
 * - publisher restart: libzmq reconnects by itself and, because the socket is read by polling, the new
 *   publisher's messages are read at once; the ingest layer sees the new epoch. A restart shorter than the
 *   timeout therefore never leaves `live`. The socket's `disconnect` event is not used: on Deno the event
 *   observer crashes the process (../zmq/zmqDeno.ts, bug 7, with the reasons for polling).
 * - polling costs up to ~5 ms of delay after an idle spell and nothing while messages are queued; a long backlog is
 *   read in slices of at most 20 ms so that timers and I/O still run.
 * - backpressure: when `onMessage` returns "pause" the loop stops reading until `resume()`; libzmq then queues up
 *   to the high-water mark and drops the rest, which the ingest layer sees as seq gaps and backfills.
 *
 * Nothing here awaits the caller, and nothing the caller does (a throwing callback, a malformed message) ends the
 * loop: only `stop()` (or the abort signal) does.
 */
import type * as zmq from "zeromq";
import type { Logger } from "../log.ts";
import { HEARTBEAT_TOPIC } from "../wire/types.ts";
import { closeSocket, openSubscriberSocket, pollSleepMs, receiveNow } from "../zmq/zmqDeno.ts";
import { backoffDelayMs, type BackoffOptions, validateBackoff } from "./backoff.ts";

/** Connection state of one subscriber; the ingest layer adds "backfilling" on top. */
export type ConnState = "connecting" | "live" | "stale" | "offline";

/** Why the state changed. */
export type StateReason =
  /** connecting: the first socket was opened. */
  | "started"
  /** live: a message arrived. */
  | "first_message"
  /** stale: no message, heartbeats included, for `heartbeatTimeoutMs` while live. */
  | "heartbeat_timeout"
  /** offline: no message for another `heartbeatTimeoutMs` after a fresh socket (or since starting). */
  | "no_data"
  /** offline: `stop()` was called or the signal aborted. */
  | "stopped";

export interface StateDetail {
  reason: StateReason;
  /** Human-readable, for logs and the status line. */
  message: string;
  endpoint: string;
}

/** A message that is not `[topic, envelope]`. It still proves the connection is alive. */
export interface BadMessage {
  reason: "wrong_part_count";
  message: string;
  parts: Uint8Array[];
  recvTimeMs: number;
}

export interface SubscriberBackoff extends BackoffOptions {
  /** After a socket was live this long, the next failure starts again from `initialMs`. */
  resetAfterMs: number;
}

export interface SubscriberOptions {
  /** Topic prefixes; default `[""]` (all). Heartbeats (`hb`) are always subscribed: the watchdog needs them. */
  topics?: readonly string[];
  /** Messages libzmq queues while we do not read; beyond it the publisher's messages are dropped. Default 10000. */
  highWaterMark?: number;
  /** No message at all for this long marks the stream stale and replaces the socket. Default 3000 (3 heartbeats). */
  heartbeatTimeoutMs?: number;
  /**
   * Delay before a fresh socket after a silence, also used for libzmq's own reconnect attempts.
   * Default `{ initialMs: 100, maxMs: 5000, jitter: 0.2, resetAfterMs: 10000 }`.
   */
  backoff?: Partial<SubscriberBackoff>;
  /**
   * Called synchronously for every `[topic, frame]` message, in arrival order. `recvTimeMs` is wall-clock ms since
   * the Unix epoch (`Date.now()`), comparable with the envelope's `source_ts_ns`. Return "pause" when the message
   * was taken but the caller's queue is now full: no more calls until `resume()`. A throw is logged and counted.
   */
  onMessage(topic: string, frame: Uint8Array, recvTimeMs: number): void | "pause";
  /** Called synchronously on every state change, including the initial "connecting" during `startSubscriber()`. */
  onState?(state: ConnState, detail: StateDetail): void;
  /** Called for messages that are not two parts; without it they are only counted (and the first ones logged). */
  onBadMessage?(bad: BadMessage): void;
  logger?: Logger;
  /** Aborting it stops the subscriber, like `stop()`. */
  signal?: AbortSignal;
}

export interface SubscriberStats {
  /** Messages handed to `onMessage`. */
  messages: number;
  badMessages: number;
  /** Throws from `onMessage`, `onState` or `onBadMessage`. */
  callbackErrors: number;
  socketsOpened: number;
  /** Sockets replaced, by cause. */
  recycles: Record<RecycleReason, number>;
}

export interface Subscriber {
  state(): ConnState;
  paused(): boolean;
  stats(): SubscriberStats;
  /** No `onMessage` call after this returns until `resume()`; libzmq queues meanwhile, up to the high-water mark. */
  pause(): void;
  resume(): void;
  /** Closes the socket, clears every timer, and resolves when the loop has ended. Idempotent. */
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Why a socket was replaced: the watchdog saw silence, or receive() failed. */
export type RecycleReason = "silence" | "error";

const DEFAULT_HIGH_WATER_MARK = 10_000;
const DEFAULT_HEARTBEAT_TIMEOUT_MS = 3_000;
/**
 * Longest stretch of reading without letting timers and I/O run. A yield costs about 2 ms on Deno (a 0 ms timer
 * inside a timer callback is clamped), so it is paid per slice of time rather than per N messages.
 */
const MAX_READ_SLICE_MS = 20;
const DEFAULT_BACKOFF: SubscriberBackoff = { initialMs: 100, maxMs: 5_000, jitter: 0.2, resetAfterMs: 10_000 };

/**
 * Connects a SUB socket to `endpoint` and starts delivering messages. Throws a TypeError at once when the
 * endpoint or an option is invalid; every later failure is handled inside (state changes, logs, stats).
 */
export function startSubscriber(endpoint: string, options: SubscriberOptions): Subscriber {
  const topics = subscriptionsOf(options.topics ?? [""]);
  const highWaterMark = options.highWaterMark ?? DEFAULT_HIGH_WATER_MARK;
  if (!Number.isInteger(highWaterMark) || highWaterMark < 0) {
    throw new RangeError(`Invalid highWaterMark: ${highWaterMark}, expected an integer >= 0 (0 = unlimited)`);
  }
  const heartbeatTimeoutMs = options.heartbeatTimeoutMs ?? DEFAULT_HEARTBEAT_TIMEOUT_MS;
  if (!(heartbeatTimeoutMs > 0) || !Number.isFinite(heartbeatTimeoutMs)) {
    throw new RangeError(`Invalid heartbeatTimeoutMs: ${heartbeatTimeoutMs}, expected a finite number > 0`);
  }
  const backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
  validateBackoff(backoff);
  const { onMessage, logger, signal } = options;
  /** At most this many messages are still read from a socket that is being replaced. */
  const drainLimit = highWaterMark > 0 ? highWaterMark : DEFAULT_HIGH_WATER_MARK;
  const topicDecoder = new TextDecoder();

  let state: ConnState = "connecting";
  let stopped = false;
  let paused = false;
  /** The socket being read; null between a close and the next open. */
  let socket: zmq.Subscriber | null = null;
  /** Set once the current socket must go; the read loop drains it first. */
  let recycleReason: RecycleReason | null = null;
  let watchdog: ReturnType<typeof setTimeout> | undefined;
  /** `performance.now()` of the last message, or of the socket's opening or the last resume. */
  let lastMessageMs = 0;
  let liveSinceMs: number | null = null;
  /** Consecutive failures, for the backoff. */
  let failures = 0;
  let wakeReader: (() => void) | null = null;
  let cancelBackoff: (() => void) | null = null;
  const stats: SubscriberStats = {
    messages: 0,
    badMessages: 0,
    callbackErrors: 0,
    socketsOpened: 0,
    recycles: { silence: 0, error: 0 },
  };

  function setState(next: ConnState, reason: StateReason, message: string, force = false): void {
    if (next === state && !force) return;
    state = next;
    logger?.info(`SUB ${endpoint} is ${next}: ${message}`, { reason });
    try {
      options.onState?.(next, { reason, message, endpoint });
    } catch (error) {
      callbackFailed("onState", error);
    }
  }

  function callbackFailed(name: string, error: unknown): void {
    stats.callbackErrors++;
    if (shouldLog(stats.callbackErrors)) {
      logger?.error(`SUB ${endpoint}: ${name} threw; the stream goes on`, {
        error,
        count: stats.callbackErrors,
      });
    }
  }

  function open(): zmq.Subscriber {
    const s = openSubscriberSocket(endpoint, {
      topics,
      receiveHighWaterMark: highWaterMark,
      reconnectIntervalMs: backoff.initialMs,
      reconnectMaxIntervalMs: backoff.maxMs,
    });
    stats.socketsOpened++;
    socket = s;
    recycleReason = null;
    lastMessageMs = performance.now();
    armWatchdog(heartbeatTimeoutMs);
    return s;
  }

  /** Marks the current socket for replacement; the read loop drains what it holds, then closes it. */
  function recycle(reason: RecycleReason, message: string): void {
    if (socket === null || recycleReason !== null || stopped) return;
    recycleReason = reason;
    stats.recycles[reason]++;
    clearWatchdog();
    logger?.info(`SUB ${endpoint}: ${message}`, { reason });
    wakeReader?.();
  }

  function armWatchdog(delayMs: number): void {
    clearWatchdog();
    watchdog = setTimeout(checkWatchdog, delayMs);
  }

  function clearWatchdog(): void {
    if (watchdog !== undefined) clearTimeout(watchdog);
    watchdog = undefined;
  }

  function checkWatchdog(): void {
    watchdog = undefined;
    // While paused we do not read, so silence proves nothing; resume() re-arms.
    if (stopped || paused || socket === null || recycleReason !== null) return;
    const silentMs = performance.now() - lastMessageMs;
    if (silentMs < heartbeatTimeoutMs) {
      armWatchdog(heartbeatTimeoutMs - silentMs);
      return;
    }
    const message = `no message for ${
      Math.round(silentMs)
    } ms (timeout ${heartbeatTimeoutMs} ms); reopening the socket`;
    switch (state) {
      case "live":
        setState("stale", "heartbeat_timeout", message);
        break;
      case "connecting":
      case "stale":
        setState("offline", "no_data", message);
        break;
      case "offline":
        break;
    }
    recycle("silence", message);
  }

  function deliver(parts: Uint8Array[], fromHealthySocket: boolean): void {
    const recvTimeMs = Date.now();
    lastMessageMs = performance.now();
    // A message drained from a socket on its way out is data, but says nothing about the next socket's connection.
    if (fromHealthySocket && state !== "live") {
      liveSinceMs = lastMessageMs;
      setState("live", "first_message", "receiving");
    }
    if (parts.length !== 2) {
      stats.badMessages++;
      const bad: BadMessage = {
        reason: "wrong_part_count",
        message: `Cannot read message from ${endpoint}: it has ${parts.length} parts, expected 2 ([topic, envelope])`,
        parts,
        recvTimeMs,
      };
      if (options.onBadMessage) {
        try {
          options.onBadMessage(bad);
        } catch (error) {
          callbackFailed("onBadMessage", error);
        }
      } else if (shouldLog(stats.badMessages)) {
        logger?.warn(bad.message, { count: stats.badMessages });
      }
      return;
    }
    stats.messages++;
    let verdict: void | "pause" = undefined;
    try {
      verdict = onMessage(topicDecoder.decode(parts[0]), parts[1], recvTimeMs);
    } catch (error) {
      callbackFailed("onMessage", error);
    }
    if (verdict === "pause") paused = true;
  }

  /**
   * Reads `s` by polling (see zmqDeno.ts for why it never blocks in receive()) until it is to be replaced
   * and drained, or the subscriber stops.
   */
  async function readUntilDone(s: zmq.Subscriber): Promise<void> {
    let idlePolls = 0;
    let sliceStartMs = performance.now();
    let reads = 0;
    let drained = 0;
    while (!stopped && !s.closed) {
      if (paused) {
        await idle(null);
        sliceStartMs = performance.now();
        continue;
      }
      let parts: Uint8Array[] | null;
      try {
        parts = await receiveNow(s);
      } catch (error) {
        logger?.error(`SUB ${endpoint}: receive() failed; reopening the socket`, { error });
        recycle("error", "receive() failed");
        return;
      }
      if (stopped) return;
      if (parts === null) {
        // What libzmq had queued before the socket failed is good data; once it is read, the socket can go.
        if (recycleReason !== null) return;
        await idle(pollSleepMs(idlePolls++));
        sliceStartMs = performance.now();
        continue;
      }
      idlePolls = 0;
      deliver(parts, recycleReason === null);
      // A reconnected socket can keep filling while it drains; what is left then comes back by backfill.
      if (recycleReason !== null && ++drained >= drainLimit) return;
      // receive() resolves at once while messages are queued, so a busy stream would otherwise run on
      // microtasks alone and starve timers and I/O (the watchdog, postMessage, HTTP).
      if ((++reads & 63) === 0 && performance.now() - sliceStartMs >= MAX_READ_SLICE_MS) {
        await idle(0);
        sliceStartMs = performance.now();
      }
    }
  }

  /** Sleeps `ms` (null: until woken); `wakeReader()` ends it early. */
  function idle(ms: number | null): Promise<void> {
    return new Promise((resolve) => {
      const timer = ms === null ? undefined : setTimeout(done, ms);
      function done(): void {
        if (timer !== undefined) clearTimeout(timer);
        wakeReader = null;
        resolve();
      }
      wakeReader = done;
    });
  }

  function backoffSleep(delayMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        cancelBackoff = null;
        resolve();
      }, delayMs);
      cancelBackoff = () => {
        clearTimeout(timer);
        cancelBackoff = null;
        resolve();
      };
    });
  }

  async function run(first: zmq.Subscriber): Promise<void> {
    let current: zmq.Subscriber | null = first;
    for (;;) {
      if (current !== null) {
        await readUntilDone(current);
        closeSocket(current);
      }
      socket = null;
      clearWatchdog();
      if (stopped) return;
      const now = performance.now();
      if (liveSinceMs !== null && now - liveSinceMs >= backoff.resetAfterMs) failures = 0;
      liveSinceMs = null;
      const delayMs = backoffDelayMs(failures++, backoff);
      logger?.debug(`SUB ${endpoint}: reopening in ${delayMs} ms`, { failures });
      await backoffSleep(delayMs);
      if (stopped) return;
      try {
        // The state stays: only a message makes the stream live again.
        current = open();
      } catch (error) {
        current = null;
        logger?.error(`SUB ${endpoint}: cannot open a socket; retrying`, { error });
      }
    }
  }

  function stopNow(): void {
    if (stopped) return;
    stopped = true;
    clearWatchdog();
    cancelBackoff?.();
    wakeReader?.();
    if (socket !== null) closeSocket(socket);
  }

  const onAbort = (): void => stopNow();
  const first = open();
  setState(
    "connecting",
    "started",
    `connecting to ${endpoint} for ${topics.map((t) => JSON.stringify(t)).join(", ")}`,
    true,
  );
  const done = run(first)
    .catch((error) => logger?.error(`SUB ${endpoint}: the receive loop failed`, { error }))
    .finally(() => {
      signal?.removeEventListener("abort", onAbort);
      setState("offline", "stopped", "stopped");
    });
  if (signal?.aborted) stopNow();
  else signal?.addEventListener("abort", onAbort, { once: true });

  function stop(): Promise<void> {
    stopNow();
    return done;
  }

  return {
    state: () => state,
    paused: () => paused,
    stats: () => ({ ...stats, recycles: { ...stats.recycles } }),
    pause(): void {
      paused = true;
    },
    resume(): void {
      if (!paused) return;
      paused = false;
      if (socket !== null && recycleReason === null && !stopped) {
        lastMessageMs = performance.now();
        armWatchdog(heartbeatTimeoutMs);
      }
      wakeReader?.();
    },
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

/** The prefixes to subscribe: the caller's, de-duplicated, plus heartbeats unless a prefix already covers them. */
function subscriptionsOf(topics: readonly string[]): string[] {
  if (topics.length === 0) {
    throw new RangeError('Cannot subscribe: topics is empty; pass [""] to receive every topic');
  }
  const unique = [...new Set(topics)];
  if (!unique.some((prefix) => HEARTBEAT_TOPIC.startsWith(prefix))) unique.push(HEARTBEAT_TOPIC);
  return unique;
}

/** Logs the first few occurrences of a repeated problem, then one in a thousand. */
function shouldLog(count: number): boolean {
  return count <= 10 || count % 1000 === 0;
}
