/**
 * Connecting ZeroMQ sockets (SUB, REQ) for Deno, and every work-around they need, in one place.
 * (The bound-socket side lives in ./zmqDeno.ts; the two are to be merged into one module.)
 *
 * npm:zeromq@6.8.0 reads with ZMQ_DONTWAIT and, when nothing is queued, waits for the socket's ZMQ_FD through a
 * libuv poll handle (uv_poll). Under Deno 2.9.6's Node-API layer that poll handle misbehaves, while the
 * non-blocking read itself always works. Measured on Deno 2.9.6 (the same scripts under Node 20 with the same
 * addon show none of it):
 *
 * 1. A `receive()` pending on a socket whose peer went away and came back (publisher restart) never resolves:
 *    libzmq reconnects and queues the new messages (a polling reader sees all of them), but the promise only
 *    settles when the socket is closed.
 * 2. A REQ socket's `receive()` for the reply mostly never resolves (0 of 10 replies when the request is sent
 *    right after `connect()`, 7 of 8 when sent 100 ms later), although the REP side got and answered every one.
 * 3. `receiveTimeout` > 0 crashes the process with a segfault when it expires.
 * 4. A socket that binds and receives sometimes never receives (seen here too: a bound REP's pending `receive()`
 *    got its first request only when the socket was closed). The tests' REP and ROUTER are therefore polled too.
 * 5. Closing a socket settles its pending `receive()`: it rejects with EAGAIN, or it may resolve with a message
 *    that was stuck behind bug 1.
 * 6. Closing a socket while its `receive()` is pending can segfault: the poll callback runs after the handle was
 *    released (gdb: `zmq::Poller<zmq::Socket::Poller>::Callback`). Closing SUBs with a pending `receive()` under
 *    traffic crashed 5 of 20 runs of 40 closes; closing them inside the `disconnect` handler, 4 of 15 runs of 10.
 * 7. The event observer (`socket.events`, which the `disconnect` event needs) has the same fault in its own poll
 *    handle: with a listener on the SUB, 10 of 12 test runs died with a segfault in
 *    `zmq::Poller<zmq::Observer::Poller>::Callback` (on a tokio thread) or an unhandled "Socket operation on
 *    non-socket" rejection after the socket closed; without it, 0 of 12.
 *
 * The work-around for all of them: no socket made here ever waits on a poll handle, and none has an observer.
 * Sockets are opened with `receiveTimeout: 0` (REQ also `sendTimeout: 0`), which makes zeromq.js answer EAGAIN at
 * once instead of polling, and are read by polling: take what is queued, then sleep 1–5 ms (`receiveNow()` with
 * `pollSleepMs()`, `receivePolling()`, `sendPolling()`). Timeouts are our own deadlines and timers, never
 * `receiveTimeout` (bug 3). With no poll handle armed, closing is safe (0 crashes in 1 400 closes of polled SUBs,
 * under traffic and at publisher restarts), and a restarted publisher's messages are read like any others (29 of
 * 30 after a restart, the first lost to the reconnect, against 0 of 30 with a pending `receive()`). So the
 * fresh-SUB-on-`disconnect` recycling is not needed for bug 1 (and its event would need the observer, bug 7); the
 * subscriber replaces its socket only when the stream falls silent (its heartbeat watchdog), which also covers a
 * half-open TCP connection. Polling costs up to ~5 ms (timers are clamped to ~4 ms) after an idle spell and about
 * 3 % of a core while idle; nothing while messages are queued.
 */
import * as zmq from "zeromq";

/** Longest sleep between two polls of an idle socket; the first sleep is 1 ms and each next one 1 ms longer. */
const MAX_POLL_SLEEP_MS = 5;

export interface SubscriberSocketOptions {
  /** Topic prefixes; `""` subscribes to everything. */
  topics: readonly string[];
  /** Messages libzmq queues before it drops (ZMQ_RCVHWM). */
  receiveHighWaterMark: number;
  /** libzmq's own reconnect interval while the endpoint refuses connections, doubled up to the max. */
  reconnectIntervalMs: number;
  reconnectMaxIntervalMs: number;
}

/**
 * A SUB socket connected to `endpoint` and subscribed to `topics`, opened with `receiveTimeout: 0`: read it with
 * `receiveNow()`/`receivePolling()`, never with a pending `receive()` (bugs 1, 6 and 7 above).
 */
export function openSubscriberSocket(endpoint: string, options: SubscriberSocketOptions): zmq.Subscriber {
  const socket = new zmq.Subscriber({
    receiveTimeout: 0,
    receiveHighWaterMark: options.receiveHighWaterMark,
    reconnectInterval: options.reconnectIntervalMs,
    reconnectMaxInterval: options.reconnectMaxIntervalMs,
    // A SUB sends nothing worth keeping after close.
    linger: 0,
  });
  try {
    socket.connect(endpoint);
    socket.subscribe(...options.topics);
  } catch (error) {
    socket.close();
    throw new TypeError(`Cannot connect SUB socket to ${JSON.stringify(endpoint)}: ${messageOf(error)}`, {
      cause: error,
    });
  }
  return socket;
}

/** A REQ socket connected to `endpoint`, non-blocking both ways: use `sendPolling()` and `receivePolling()`. */
export function openRequestSocket(endpoint: string): zmq.Request {
  const socket = new zmq.Request({ receiveTimeout: 0, sendTimeout: 0, linger: 0 });
  try {
    socket.connect(endpoint);
  } catch (error) {
    socket.close();
    throw new TypeError(`Cannot connect REQ socket to ${JSON.stringify(endpoint)}: ${messageOf(error)}`, {
      cause: error,
    });
  }
  return socket;
}

/** Options of the polling loops. */
export interface PollOptions {
  /** Give up at this `performance.now()` time; none = poll until the socket closes or the signal aborts. */
  deadlineMs?: number;
  signal?: AbortSignal;
}

export type PolledReceive =
  | { kind: "message"; parts: Uint8Array[] }
  | { kind: "timeout" }
  | { kind: "closed" }
  | { kind: "aborted" };

export type PolledSend = { kind: "sent" } | { kind: "timeout" } | { kind: "closed" } | { kind: "aborted" };

type PollableReader = Pick<zmq.Socket, "closed"> & { receive(): Promise<Uint8Array[]>; receiveTimeout: number };
type PollableWriter = Pick<zmq.Socket, "closed"> & { send(message: zmq.MessageLike[]): Promise<void> };

/**
 * One non-blocking read from a socket opened with `receiveTimeout: 0`: the message, or null when nothing is
 * queued (EAGAIN) or the socket is closed. Other errors are thrown.
 */
export async function receiveNow(socket: PollableReader): Promise<Uint8Array[] | null> {
  assertPollable(socket);
  if (socket.closed) return null;
  try {
    return await socket.receive();
  } catch (error) {
    if (socket.closed || isAgain(error)) return null;
    throw error;
  }
}

/** How long to sleep after `idlePolls` polls in a row found nothing: 1, 2, 3, 4, then 5 ms. */
export function pollSleepMs(idlePolls: number): number {
  return Math.min(MAX_POLL_SLEEP_MS, idlePolls + 1);
}

/**
 * Receives one message from a socket opened with `receiveTimeout: 0`, sleeping 1–5 ms between polls. Never
 * throws for a closed socket, the deadline or the signal: they come back as values.
 */
export async function receivePolling(socket: PollableReader, options: PollOptions = {}): Promise<PolledReceive> {
  for (let idlePolls = 0;; idlePolls++) {
    if (options.signal?.aborted) return { kind: "aborted" };
    const parts = await receiveNow(socket);
    if (parts !== null) return { kind: "message", parts };
    if (socket.closed) return { kind: "closed" };
    const slept = await sleepUntilNextPoll(idlePolls, options);
    if (slept !== "slept") return { kind: slept };
  }
}

/** Sends one message on a socket opened with `sendTimeout: 0`, retrying on EAGAIN like `receivePolling()`. */
export async function sendPolling(
  socket: PollableWriter,
  message: zmq.MessageLike[],
  options: PollOptions = {},
): Promise<PolledSend> {
  for (let idlePolls = 0;; idlePolls++) {
    if (options.signal?.aborted) return { kind: "aborted" };
    if (socket.closed) return { kind: "closed" };
    try {
      await socket.send(message);
      return { kind: "sent" };
    } catch (error) {
      if (socket.closed) return { kind: "closed" };
      if (!isAgain(error)) throw error;
    }
    const slept = await sleepUntilNextPoll(idlePolls, options);
    if (slept !== "slept") return { kind: slept };
  }
}

/** Whether a zeromq error is EAGAIN: nothing to read (or no room to send) right now. */
export function isAgain(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === "EAGAIN";
}

/** Closes a socket if it is still open; closing never throws, even for a socket mid-close. */
export function closeSocket(socket: zmq.Socket): void {
  if (socket.closed) return;
  try {
    socket.close();
  } catch {
    // Already closing on another path; the only thing that mattered is that it ends up closed.
  }
}

function assertPollable(socket: PollableReader): void {
  if (socket.receiveTimeout !== 0) {
    throw new TypeError(
      `Cannot poll a socket with receiveTimeout ${socket.receiveTimeout}: it must be 0 (bugs 1, 3 and 6 above)`,
    );
  }
}

/** Sleeps `pollSleepMs()`, but not past the deadline; wakes early (with "aborted") when the signal aborts. */
function sleepUntilNextPoll(idlePolls: number, options: PollOptions): Promise<"slept" | "timeout" | "aborted"> {
  let sleepMs = pollSleepMs(idlePolls);
  if (options.deadlineMs !== undefined) {
    const leftMs = options.deadlineMs - performance.now();
    if (leftMs <= 0) return Promise.resolve("timeout");
    sleepMs = Math.min(sleepMs, leftMs);
  }
  const signal = options.signal;
  if (signal?.aborted) return Promise.resolve("aborted");
  return new Promise((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve("aborted");
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve("slept");
    }, sleepMs);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
