/**
 * The subscriber side of bench/publisher.ts, run as its own process: `deno run -A bench/publisherReceiver.ts
 * ENDPOINT CANDLES`. It prints `ready` once a heartbeat shows it is subscribed, then decodes every candle message
 * until CANDLES candles have arrived, and prints one JSON line: candles, messages, rejected frames and the ms from
 * the first data message to the last.
 */
import * as zmq from "zeromq";
import { decodeFrame } from "../core/wire/decode.ts";
import { closeSocket, receivePolling } from "../core/zmq/zmqDeno.ts";

/** Receives until `wanted` candles have arrived, then prints the report line. */
export async function receiveCandles(endpoint: string, wanted: number): Promise<void> {
  const socket = new zmq.Subscriber({ receiveTimeout: 0, receiveHighWaterMark: 10_000, linger: 0 });
  socket.connect(endpoint);
  socket.subscribe("candle.", "hb");
  const encoder = new TextEncoder();
  let ready = false;
  let candles = 0, messages = 0, rejected = 0, firstMs = 0, lastMs = 0;
  while (candles < wanted) {
    const received = await receivePolling(socket);
    if (received.kind !== "message") break;
    const [topic, frame] = received.parts;
    if (topic.length === 2) {
      if (!ready) Deno.stdout.writeSync(encoder.encode("ready\n"));
      ready = true;
      continue;
    }
    const decoded = decodeFrame(frame);
    if (decoded.kind !== "envelope" || decoded.envelope.payload.kind !== "candles") {
      rejected++;
      continue;
    }
    if (messages++ === 0) firstMs = performance.now();
    lastMs = performance.now();
    candles += decoded.envelope.payload.candles.length;
  }
  closeSocket(socket);
  Deno.stdout.writeSync(
    encoder.encode(JSON.stringify({ candles, messages, rejected, elapsedMs: lastMs - firstMs }) + "\n"),
  );
}

if (import.meta.main) await receiveCandles(Deno.args[0], Number(Deno.args[1]));
