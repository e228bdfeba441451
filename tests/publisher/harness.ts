/**
 * Test helpers for the publisher: synthetic streams, a SUB that records everything it receives, and a REQ client.
 * Both read by polling (core/zmq/zmqDeno.ts): a blocking receive() may never wake on Deno.
 */
import * as zmq from "zeromq";
import { decodeFrame } from "../../core/wire/decode.ts";
import { encodeBackfillRequest } from "../../core/wire/encode.ts";
import type { BackfillReplyPayload, Candle, DecodeResult, Envelope } from "../../core/wire/types.ts";
import { closeSocket, openRequestSocket, receivePolling, sendPolling } from "../../core/zmq/zmqDeno.ts";
import type { ReplayStream } from "../../core/publisher/createStreamReplay.ts";

/** Safety net only: a test that waits this long has failed (it never gates an assertion on speed). */
export const DEADLINE_MS = 15_000;

/** `count` 1-minute bars from 2024-03-04 14:30 UTC with simple, valid, distinct values. */
export function syntheticStream(symbol: string, count: number, interval = "1m"): ReplayStream {
  const stepMs = interval === "1m" ? 60_000 : interval === "1d" ? 86_400_000 : 60_000;
  const startMs = Date.UTC(2024, 2, 4, 14, 30);
  const candles: Candle[] = [];
  for (let i = 0; i < count; i++) {
    const open = 100 + (i % 50) + symbol.length;
    const close = open + ((i % 7) - 3) * 0.25;
    candles.push({
      // A gap every 10 bars, like a session break, to show pacing ignores it.
      openTimeMs: startMs + (i + Math.floor(i / 10) * 5) * stepMs,
      open,
      high: Math.max(open, close) + 0.5,
      low: Math.min(open, close) - 0.5,
      close,
      volume: 1000 + i,
    });
  }
  return { symbol, interval, candles };
}

export interface Received {
  topic: string;
  frame: Uint8Array;
  decoded: DecodeResult;
}

export interface Recorder {
  readonly messages: Received[];
  /** Resolves when `predicate` holds for the messages so far; rejects after DEADLINE_MS. */
  waitFor(predicate: (messages: Received[]) => boolean, what: string): Promise<void>;
  close(): Promise<void>;
}

/** A SUB connected to `endpoint` that records every message in the background. */
export function recordSubscriber(endpoint: string, topics: string[] = [""]): Recorder {
  const socket = new zmq.Subscriber({ receiveTimeout: 0, linger: 0 });
  socket.connect(endpoint);
  socket.subscribe(...topics);
  const messages: Received[] = [];
  const abort = new AbortController();
  const reading = (async () => {
    for (;;) {
      const r = await receivePolling(socket, { signal: abort.signal });
      if (r.kind !== "message") return;
      const [topic, frame] = r.parts;
      const bytes = new Uint8Array(frame);
      messages.push({ topic: new TextDecoder().decode(topic), frame: bytes, decoded: decodeFrame(bytes) });
    }
  })();
  return {
    messages,
    async waitFor(predicate, what) {
      const deadline = performance.now() + DEADLINE_MS;
      while (!predicate(messages)) {
        if (performance.now() > deadline) {
          throw new Error(`Timed out waiting for ${what}; received ${messages.length} messages`);
        }
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    },
    async close() {
      abort.abort();
      await reading;
      closeSocket(socket);
    },
  };
}

/** Waits until the recorder has seen a heartbeat: the SUB is connected and subscribed. */
export function connected(recorder: Recorder): Promise<void> {
  return recorder.waitFor((ms) => ms.some((m) => m.topic === "hb"), "the first heartbeat");
}

export interface BackfillResult {
  reply: BackfillReplyPayload;
  replyEnvelope: Envelope;
  frames: Uint8Array[];
}

/** A REQ client for the publisher's REP socket. */
export interface Requester {
  /** Sends raw frames and returns the raw reply frames. */
  raw(frames: Uint8Array[]): Promise<Uint8Array[]>;
  backfill(
    request: { topic: string; fromSeq?: number; toSeq?: number; fromMs?: number; toMs?: number; epoch?: bigint },
  ): Promise<BackfillResult>;
  close(): void;
}

export function openRequester(endpoint: string): Requester {
  const socket = openRequestSocket(endpoint);
  let nextId = 1n;
  async function raw(frames: Uint8Array[]): Promise<Uint8Array[]> {
    const deadlineMs = performance.now() + DEADLINE_MS;
    const sent = await sendPolling(socket, frames, { deadlineMs });
    if (sent.kind !== "sent") throw new Error(`Cannot send the request: ${sent.kind}`);
    const received = await receivePolling(socket, { deadlineMs });
    if (received.kind !== "message") throw new Error(`No reply to the request: ${received.kind}`);
    return received.parts.map((p) => new Uint8Array(p));
  }
  return {
    raw,
    async backfill(request) {
      const requestId = nextId++;
      const frame = encodeBackfillRequest(
        { source: "test", epoch: request.epoch ?? 0n, seq: 0, symbol: "", sourceTsNs: 0n },
        {
          requestId,
          topic: request.topic,
          fromSeq: request.fromSeq ?? 0,
          toSeq: request.toSeq ?? 0,
          fromMs: request.fromMs ?? 0,
          toMs: request.toMs ?? 0,
        },
      );
      const [head, ...frames] = await raw([frame]);
      const decoded = decodeFrame(head);
      if (decoded.kind !== "envelope" || decoded.envelope.payload.kind !== "backfill_reply") {
        throw new Error(`The reply's first frame is not a backfill_reply: ${JSON.stringify(decoded.kind)}`);
      }
      const reply = decoded.envelope.payload;
      if (reply.requestId !== requestId && reply.status !== "bad_request") {
        throw new Error(`The reply answers request ${reply.requestId}, not ${requestId}`);
      }
      return { reply, replyEnvelope: decoded.envelope, frames };
    },
    close() {
      closeSocket(socket);
    },
  };
}

/** The envelope of a recorded message, asserting it decoded. */
export function envelopeOf(message: { decoded: DecodeResult }): Envelope {
  if (message.decoded.kind !== "envelope") {
    throw new Error(`Expected a valid envelope, got ${message.decoded.reason}: ${message.decoded.message}`);
  }
  return message.decoded.envelope;
}
