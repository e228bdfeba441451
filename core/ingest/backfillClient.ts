/**
 * `createBackfillClient()`: asks the publisher's REP socket for missed messages, with the "Lazy Pirate" pattern
 * of the ZeroMQ guide: a REQ socket sends the request and waits up to `timeoutMs` for the reply; on a timeout the
 * socket is closed (a REQ that sent and got no reply is stuck in its state machine) and the request is sent again
 * on a fresh one, `retries` times, before the client gives up with `unavailable`.
 *
 * Requests are serialized: one in flight, the rest queued in call order. Request ids start at 1 and increase per
 * `request()` call; retries of one request reuse its id, so a publisher can log or dedupe them.
 *
 * The request envelope's header: `source` "fluxbook" (who asks), `epoch` the epoch of the topic being asked
 * about as the caller last saw it (0 when unknown, e.g. a time-range request before any live message), `seq` 0
 * (requests are not a stream), `symbol` the topic's symbol (`candle.AAPL.1m` → `AAPL`), `source_ts_ns` the send
 * time. The wire contract leaves all of them free; these make a publisher's log readable.
 *
 * Outcomes are values, never exceptions: `reply` (any status, with the raw data frames, which the ingest pipeline
 * decodes like live frames), `bad_reply`, `unavailable` or `aborted`. Only a malformed request (a caller bug)
 * rejects, with a RangeError. Reading uses polling with our own deadline (see ../zmq/zmqDeno.ts).
 */
import type * as zmq from "zeromq";
import type { Logger } from "../log.ts";
import { decodeFrame } from "../wire/decode.ts";
import { encodeBackfillRequest, type EnvelopeHeader } from "../wire/encode.ts";
import type { BackfillRequestPayload, Status } from "../wire/types.ts";
import { closeSocket, openRequestSocket, type PolledReceive, receivePolling, sendPolling } from "../zmq/zmqDeno.ts";

/** The request's fields; see BackfillRequest in WIRE.md. */
export interface BackfillRequestFields {
  topic: string;
  /** > 0: ask for seqs fromSeq..toSeq (toSeq 0 = up to the latest) of the current epoch. */
  fromSeq?: number;
  toSeq?: number;
  /** Used when fromSeq is 0: candles whose open time lies in fromMs..toMs (0 = unbounded). */
  fromMs?: number;
  toMs?: number;
  /** The topic's epoch as last seen; 0n (the default) when unknown. */
  epoch?: bigint;
}

export interface BackfillRequestOptions {
  /** Aborting it gives up on the request (`aborted`), queued or in flight. */
  signal?: AbortSignal;
}

export type BackfillResult =
  | {
    kind: "reply";
    requestId: bigint;
    status: Status;
    message: string;
    /** Equals `frames.length`. */
    count: number;
    /** The data frames, undecoded. */
    frames: Uint8Array[];
    /** From sending the answered attempt to its reply. */
    latencyMs: number;
    /** Wall-clock ms since the Unix epoch when the reply arrived. */
    recvTimeMs: number;
    attempts: number;
  }
  | { kind: "bad_reply"; requestId: bigint; attempts: number; message: string }
  | { kind: "unavailable"; requestId: bigint; attempts: number; message: string }
  | { kind: "aborted"; requestId: bigint; attempts: number; message: string };

export interface BackfillClientOptions {
  /** How long one attempt waits for its reply. Default 2000. */
  timeoutMs?: number;
  /** Attempts after the first one times out. Default 3 (so up to 4 attempts). */
  retries?: number;
  logger?: Logger;
}

export interface BackfillClient {
  request(fields: BackfillRequestFields, options?: BackfillRequestOptions): Promise<BackfillResult>;
  /** Requests queued or in flight. */
  pending(): number;
  /** Ends the request in flight and the queued ones (`aborted`), closes the socket; resolves when all settled. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

const SOURCE = "fluxbook";
const DEFAULT_TIMEOUT_MS = 2_000;
const DEFAULT_RETRIES = 3;

/** A client for the REP endpoint `endpoint`. No socket is opened until the first request. */
export function createBackfillClient(endpoint: string, options: BackfillClientOptions = {}): BackfillClient {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const retries = options.retries ?? DEFAULT_RETRIES;
  if (!(timeoutMs > 0) || !Number.isFinite(timeoutMs)) {
    throw new RangeError(`Invalid timeoutMs: ${timeoutMs}, expected a finite number > 0`);
  }
  if (!Number.isInteger(retries) || retries < 0) {
    throw new RangeError(`Invalid retries: ${retries}, expected an integer >= 0`);
  }
  const { logger } = options;
  let socket: zmq.Request | null = null;
  let nextRequestId = 1n;
  let pending = 0;
  let closed = false;
  /** Aborted by close(): ends the attempt in flight. */
  const closing = new AbortController();
  /** Settles when the request before the next one has. */
  let tail: Promise<unknown> = Promise.resolve();

  function dropSocket(): void {
    if (socket !== null) closeSocket(socket);
    socket = null;
  }

  async function exchange(
    requestId: bigint,
    frame: Uint8Array,
    topic: string,
    signal: AbortSignal,
  ): Promise<BackfillResult> {
    const maxAttempts = retries + 1;
    let failure = `no reply within ${timeoutMs} ms`;
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      if (signal.aborted) return aborted(requestId, attempt - 1, signal);
      const sentAtMs = performance.now();
      let outcome: PolledReceive;
      try {
        socket ??= openRequestSocket(endpoint);
        const s = socket;
        const wait = { deadlineMs: sentAtMs + timeoutMs, signal };
        const sent = await sendPolling(s, [frame], wait);
        outcome = sent.kind === "sent" ? await receivePolling(s, wait) : sent;
      } catch (error) {
        // An error other than EAGAIN leaves the socket in an unknown state; the next attempt gets a fresh one.
        dropSocket();
        failure = error instanceof Error ? error.message : String(error);
        logger?.error(`Backfill request ${requestId} for ${topic} failed on ${endpoint}: ${failure}`, {
          attempt,
          maxAttempts,
        });
        continue;
      }
      switch (outcome.kind) {
        case "message": {
          const result = readReply(outcome.parts, { requestId, attempts: attempt, sentAtMs });
          if (result.kind === "bad_reply") logger?.warn(result.message, { endpoint, topic });
          return result;
        }
        case "timeout":
          // The REQ socket now waits for a reply that may never come and refuses to send: only a fresh one helps.
          dropSocket();
          failure = `no reply within ${timeoutMs} ms`;
          logger?.warn(
            `Backfill request ${requestId} for ${topic}: no reply from ${endpoint} within ${timeoutMs} ms ` +
              `(attempt ${attempt} of ${maxAttempts})`,
          );
          break;
        case "closed":
        case "aborted":
          dropSocket();
          return aborted(requestId, attempt, signal);
      }
    }
    return {
      kind: "unavailable",
      requestId,
      attempts: maxAttempts,
      message: `Cannot backfill ${topic} from ${endpoint}: ${maxAttempts} attempts failed, the last with ${failure}`,
    };
  }

  function aborted(requestId: bigint, attempts: number, signal: AbortSignal): BackfillResult {
    const why = closed ? "the backfill client was closed" : `the request was aborted (${String(signal.reason)})`;
    return { kind: "aborted", requestId, attempts, message: `Backfill request ${requestId} ended: ${why}` };
  }

  function request(
    fields: BackfillRequestFields,
    requestOptions: BackfillRequestOptions = {},
  ): Promise<BackfillResult> {
    let frame: Uint8Array;
    try {
      frame = encodeBackfillRequest(requestHeader(fields), { requestId: nextRequestId, ...requestFields(fields) });
    } catch (error) {
      return Promise.reject(error);
    }
    const requestId = nextRequestId++;
    const signal = requestOptions.signal === undefined
      ? closing.signal
      : AbortSignal.any([closing.signal, requestOptions.signal]);
    pending++;
    const turn = tail;
    // An abort while queued answers at once; the exchange then returns before touching the socket.
    const result = untilSettledOrAborted(turn, signal)
      .then(() => exchange(requestId, frame, fields.topic, signal))
      .finally(() => pending--);
    // The next request waits for this one and for everything before it.
    tail = turn.then(() => result).catch(() => undefined);
    return result;
  }

  async function close(): Promise<void> {
    if (!closed) {
      closed = true;
      closing.abort(new Error("backfill client closed"));
    }
    await tail;
    dropSocket();
  }

  return { request, pending: () => pending, close, [Symbol.asyncDispose]: close };
}

/** Resolves when `turn` settles or `signal` aborts, whichever is first, leaving no listener behind. */
function untilSettledOrAborted(turn: Promise<unknown>, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const onAbort = (): void => resolve();
    signal.addEventListener("abort", onAbort, { once: true });
    turn.finally(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    });
  });
}

function requestHeader(fields: BackfillRequestFields): EnvelopeHeader {
  return {
    source: SOURCE,
    epoch: fields.epoch ?? 0n,
    seq: 0,
    symbol: fields.topic.split(".")[1] ?? "",
    sourceTsNs: BigInt(Date.now()) * 1_000_000n,
  };
}

/** Checks a request's fields, throwing a RangeError that names the bad one. */
function requestFields(fields: BackfillRequestFields): Omit<BackfillRequestPayload, "kind" | "requestId"> {
  const { topic, fromSeq = 0, toSeq = 0, fromMs = 0, toMs = 0 } = fields;
  if (typeof topic !== "string" || topic.length === 0) {
    throw new RangeError(`Invalid backfill request: topic is ${JSON.stringify(topic)}, expected a non-empty string`);
  }
  for (const [name, value] of [["fromSeq", fromSeq], ["toSeq", toSeq], ["fromMs", fromMs], ["toMs", toMs]] as const) {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new RangeError(`Invalid backfill request for ${topic}: ${name} is ${value}, expected a safe integer >= 0`);
    }
  }
  if (toSeq !== 0 && toSeq < fromSeq) {
    throw new RangeError(`Invalid backfill request for ${topic}: toSeq ${toSeq} is below fromSeq ${fromSeq}`);
  }
  if (fromSeq === 0 && toMs !== 0 && toMs < fromMs) {
    throw new RangeError(`Invalid backfill request for ${topic}: toMs ${toMs} is before fromMs ${fromMs}`);
  }
  return { topic, fromSeq, toSeq, fromMs, toMs };
}

/** Checks a reply against its request: a backfill_reply first, with our id, then exactly `count` frames. */
function readReply(
  parts: Uint8Array[],
  context: { requestId: bigint; attempts: number; sentAtMs: number },
): BackfillResult {
  const { requestId, attempts } = context;
  const bad = (why: string): BackfillResult => ({
    kind: "bad_reply",
    requestId,
    attempts,
    message: `Cannot accept the reply to backfill request ${requestId}: ${why}`,
  });
  if (parts.length === 0) return bad("it has no frames");
  const head = decodeFrame(parts[0]);
  if (head.kind === "rejected") return bad(`its first frame is not an envelope (${head.reason}: ${head.message})`);
  const reply = head.envelope.payload;
  if (reply.kind !== "backfill_reply") return bad(`its first frame carries ${reply.kind}, expected backfill_reply`);
  if (reply.requestId !== requestId) return bad(`it answers request ${reply.requestId}`);
  const frames = parts.slice(1);
  if (reply.count !== frames.length) {
    return bad(`it announces ${reply.count} data frames but ${frames.length} follow`);
  }
  return {
    kind: "reply",
    requestId,
    status: reply.status,
    message: reply.message,
    count: reply.count,
    frames,
    latencyMs: performance.now() - context.sentAtMs,
    recvTimeMs: Date.now(),
    attempts,
  };
}
