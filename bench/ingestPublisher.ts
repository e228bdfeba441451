/**
 * The publisher side of bench/ingest.ts, in its own process: `deno run -A bench/ingestPublisher.ts STREAMS BARS
 * RATE|max`. Prints its endpoints as one JSON line, starts when a line arrives on stdin, and prints `done` with
 * its counters when every stream has run out.
 */
import { startPublisher } from "../core/publisher/startPublisher.ts";
import { makeStreams } from "./publisher.ts";

const [streams, bars, rate] = Deno.args;
const publisher = await startPublisher({
  streams: makeStreams(Number(streams), Number(bars)),
  pubEndpoint: "tcp://127.0.0.1:*",
  reqEndpoint: "tcp://127.0.0.1:*",
  ...(rate === "max" ? { speed: "max" as const } : { rate: Number(rate) }),
  batchSize: 100,
  partials: 0,
  heartbeatMs: 100,
  historyLimit: 100_000,
  maxBackfill: 100_000,
  noDrop: rate === "max",
  paused: true,
});
console.log(JSON.stringify(publisher.endpoints));
const reader = Deno.stdin.readable.getReader();
await reader.read();
publisher.resume();
await publisher.finished;
console.log(`done ${JSON.stringify({ candles: publisher.stats.candles, messages: publisher.stats.messages })}`);
// Stays up (heartbeats, backfills) until the bench closes stdin.
await reader.read();
reader.releaseLock();
await publisher.stop();
