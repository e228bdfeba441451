/**
 * Bound ZeroMQ sockets (PUB, REP) for Deno, and every work-around they need, in one place.
 * (The connecting side, SUB and REQ, lives in ./zmqDenoClient.ts; the two are to be merged into one module. This
 * file reuses its polling loops rather than keeping a second copy.)
 *
 * npm:zeromq@6.8.0 waits for a socket to become readable or writable through a libuv poll handle on the socket's
 * ZMQ_FD, and under Deno 2.9.6's Node-API layer that wake-up is unreliable; the non-blocking calls themselves
 * always work. Measured here with a REP bound on 127.0.0.1 and a REQ connected to it:
 *
 * 1. A `receive()` that is pending when the message arrives may never wake, on the bound side too: a REP waiting
 *    200 ms before the request came woke in 9 of 10 runs; the REQ waiting for the reply, in 1 of 10 (in-process)
 *    and 1 of 8 (across processes). Opened with `receiveTimeout: 0` and read by polling (`receivePolling()`, a
 *    1–5 ms sleep on EAGAIN), a REP and a REQ completed 20 of 20 runs of 100 round trips.
 * 2. `receiveTimeout` > 0 segfaults the process when it expires, so it is never set.
 * 3. A PUB with `noDrop` waits for room with the same poll handle, which may never wake, and an EAGAIN it rejects
 *    with and nobody handles segfaults. Both sockets are therefore opened with `sendTimeout: 0`: every send is
 *    synchronous, and the EAGAIN of a full `noDrop` PUB comes back as a rejection that `sendPolling()` retries
 *    after 1–5 ms (50 000 batches to a slow subscriber in another process: 280 retries, nothing lost, no crash).
 *    A lossy PUB with the default sendTimeout once rejected a send with EAGAIN too, so every send can retry.
 * 4. Not Deno's doing but libzmq's: `close()` hands the listening TCP socket to libzmq's I/O thread, which closes it
 *    a little later, so binding the same port right after (a publisher restarting in-process) failed with
 *    EADDRINUSE in 36 of 300 tries. `closeBoundSocket()` closes and then waits until the port can be bound again
 *    (0 failures in 300 with it, under load too).
 *
 * Binding itself behaves as on Node; `bindOrExplain()` is here because it is part of opening a bound socket, and
 * it turns the errno into a message a user can act on.
 */
import * as zmq from "zeromq";
import { closeSocket } from "./zmqDenoClient.ts";

export {
  closeSocket,
  isAgain,
  type PolledReceive,
  type PolledSend,
  receivePolling,
  sendPolling,
} from "./zmqDenoClient.ts";

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
