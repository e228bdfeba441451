/**
 * Every ZeroMQ socket this app opens on Deno, and every work-around it needs, in this one module: the connecting
 * side (SUB, REQ) and the bound side (PUB, REP).
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
 *
 * The bound side adds two more:
 * 8. A PUB with `noDrop` waits for room with the same poll handle, which may never wake, and an EAGAIN it rejects
 *    with and nobody handles segfaults. Both sockets are therefore opened with `sendTimeout: 0`: every send is
 *    synchronous, and the EAGAIN of a full `noDrop` PUB comes back as a rejection that `sendPolling()` retries
 *    after 1–5 ms (50 000 batches to a slow subscriber in another process: 280 retries, nothing lost, no crash).
 *    A lossy PUB with the default sendTimeout once rejected a send with EAGAIN too, so every send can retry.
 * 9. Not Deno's doing but libzmq's: `close()` hands the listening TCP socket to libzmq's I/O thread, which closes it
 *    a little later, so binding the same port right after (a publisher restarting in-process) failed with
 *    EADDRINUSE in 36 of 300 tries. `closeBoundSocket()` closes and then waits until the port can be bound again
 *    (0 failures in 300 with it, under load too).
 *
 * Binding itself behaves as on Node; `bindOrExplain()` is here because it is part of opening a bound socket, and
 * it turns the errno into a message a user can act on.
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

/** Why a socket could not bind. */
export type BindFailure = "address_in_use" | "address_not_available" | "invalid_endpoint" | "other";

/**
 * A bind that failed, with a one-line message such as `cannot bind PUB tcp://127.0.0.1:5556: address in use (is
 * another publisher running? use --pub to choose another port)`.
 */
export class BindError extends Error {
  override name = "BindError";
  constructor(
    readonly reason: BindFailure,
    readonly role: string,
    readonly endpoint: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export interface BindOptions {
  /** The socket's role in messages: "PUB", "REP". */
  role: string;
  /** The flag that chooses this endpoint, named in the hint: "--pub", "--req". */
  flag: string;
}

/**
 * Binds `socket` to `endpoint` (`tcp://127.0.0.1:0` and `tcp://127.0.0.1:*` pick a free port) and returns the
 * endpoint actually bound. Throws a BindError that says what to do.
 */
export async function bindOrExplain(socket: zmq.Socket, endpoint: string, options: BindOptions): Promise<string> {
  try {
    await socket.bind(endpoint);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const [reason, why]: [BindFailure, string] = code === "EADDRINUSE"
      ? [
        "address_in_use",
        `address in use (is another publisher running? use ${options.flag} to choose another port)`,
      ]
      : code === "EADDRNOTAVAIL"
      ? ["address_not_available", `address not available on this machine (use ${options.flag} with 127.0.0.1)`]
      : code === "EINVAL" || code === "ENODEV" || code === "EPROTONOSUPPORT"
      ? ["invalid_endpoint", `invalid endpoint (expected tcp://HOST:PORT, e.g. tcp://127.0.0.1:5556)`]
      : ["other", error instanceof Error ? error.message : String(error)];
    throw new BindError(reason, options.role, endpoint, `cannot bind ${options.role} ${endpoint}: ${why}`, {
      cause: error,
    });
  }
  return socket.lastEndpoint ?? endpoint;
}

export interface PublisherSocketOptions {
  /**
   * Wait (by retrying) for a slow subscriber instead of dropping at the high-water mark. PUB/SUB normally drops,
   * and subscribers recover by backfill; tests and benchmarks that must see everything turn this on.
   */
  noDrop: boolean;
  /** Messages queued per subscriber before dropping or waiting (ZMQ_SNDHWM). */
  sendHighWaterMark: number;
}

/** A PUB socket bound to `endpoint`, non-blocking (work-around 3): send only through `sendPolling()`. */
export async function openPublisherSocket(
  endpoint: string,
  options: PublisherSocketOptions,
): Promise<{ socket: zmq.Publisher; endpoint: string }> {
  const socket = new zmq.Publisher({
    sendTimeout: 0,
    noDrop: options.noDrop,
    sendHighWaterMark: options.sendHighWaterMark,
    // Unsent messages are worthless once the publisher stops, and a lingering socket would hold the process.
    linger: 0,
  });
  try {
    return { socket, endpoint: await bindOrExplain(socket, endpoint, { role: "PUB", flag: "--pub" }) };
  } catch (error) {
    closeSocket(socket);
    throw error;
  }
}

/** Longest wait in closeBoundSocket() for libzmq to release the port; past it, a rebind may fail as before. */
const RELEASE_TIMEOUT_MS = 1000;

/**
 * Closes a socket bound to the TCP `endpoint` (as bindOrExplain() returned it) and resolves once the port is free
 * again (work-around 4), or after a second at most.
 */
export async function closeBoundSocket(socket: zmq.Socket, endpoint: string): Promise<void> {
  closeSocket(socket);
  const match = /^tcp:\/\/(.+):(\d+)$/.exec(endpoint);
  if (match === null) return;
  const hostname = match[1] === "*" ? "0.0.0.0" : match[1].replace(/^\[(.*)\]$/, "$1");
  const port = Number(match[2]);
  const deadline = performance.now() + RELEASE_TIMEOUT_MS;
  while (performance.now() < deadline) {
    try {
      Deno.listen({ hostname, port }).close();
      return;
    } catch (error) {
      if (!(error instanceof Deno.errors.AddrInUse)) return;
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/** A REP socket bound to `endpoint`, non-blocking both ways (work-arounds 1 and 2): use the polling helpers. */
export async function openReplySocket(endpoint: string): Promise<{ socket: zmq.Reply; endpoint: string }> {
  const socket = new zmq.Reply({ receiveTimeout: 0, sendTimeout: 0, linger: 0 });
  try {
    return { socket, endpoint: await bindOrExplain(socket, endpoint, { role: "REP", flag: "--req" }) };
  } catch (error) {
    closeSocket(socket);
    throw error;
  }
}
