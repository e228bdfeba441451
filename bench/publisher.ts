/**
 * Benchmark section "publisher": how fast the demo publisher gets candles out, in 100-candle batches (the
 * catch-up/fast mode, `--speed max --batch 100`), through its real path: bar index → shifted candle → envelope
 * encode → history → PUB send over loopback TCP.
 *
 * - to a SUB in another process (bench/publisherReceiver.ts), with `noDrop` so that nothing is lost: the rate is
 *   what is delivered and decoded, limited by whichever side is slower;
 * - with no subscriber at all: the publisher's own cost (libzmq discards the messages).
 */
import { fileURLToPath } from "node:url";
import { startPublisher } from "../core/publisher/startPublisher.ts";
import type { ReplayStream } from "../core/publisher/types.ts";
import type { Candle } from "../core/wire/types.ts";
import type { Figure } from "./figure.ts";

const GROUP = "publisher";
const BATCH = 100;
const STREAMS = 8;
const GOAL = ">= 1 M candles/s";
const RECEIVER = fileURLToPath(new URL("./publisherReceiver.ts", import.meta.url));

export async function run(): Promise<Figure[]> {
  const streams = makeStreams(STREAMS, 250_000);
  const total = STREAMS * 250_000;
  const remote = await toOtherProcess(streams, total);
  const alone = await withoutSubscriber(makeStreams(STREAMS, 125_000));
  return [
    {
      group: GROUP,
      name: "publish → SUB in another process, batches of 100 (sender side)",
      value: Math.round(remote.sentPerSecond),
      unit: "candles/s",
      goal: GOAL,
      note: `${total} candles, noDrop; ${remote.sendWaits} waits for the subscriber`,
    },
    {
      group: GROUP,
      name: "  … as decoded by the SUB process",
      value: Math.round(remote.receivedPerSecond),
      unit: "candles/s",
      goal: GOAL,
      note: `${remote.received} candles, ${remote.rejected} rejected`,
    },
    {
      group: GROUP,
      name: "publish, no subscriber (encode + history + send)",
      value: Math.round(alone),
      unit: "candles/s",
    },
  ];
}

export async function toOtherProcess(
  streams: ReplayStream[],
  total: number,
): Promise<
  { sentPerSecond: number; receivedPerSecond: number; received: number; rejected: number; sendWaits: number }
> {
  const pub = await startPublisher({
    streams,
    pubEndpoint: "tcp://127.0.0.1:*",
    reqEndpoint: "tcp://127.0.0.1:*",
    speed: "max",
    batchSize: BATCH,
    partials: 0,
    heartbeatMs: 50,
    paused: true,
    noDrop: true,
  });
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", RECEIVER, pub.endpoints.pub, String(total)],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let output = "";
  try {
    while (!output.includes("ready\n")) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`the receiver exited before it was ready: ${output}`);
      output += value;
    }
    const startedAt = performance.now();
    pub.resume();
    await pub.finished;
    const sentMs = performance.now() - startedAt;
    for (let r = await reader.read(); !r.done; r = await reader.read()) output += r.value;
    await child.status;
    const report = JSON.parse(output.trim().split("\n").at(-1)!) as {
      candles: number;
      rejected: number;
      elapsedMs: number;
    };
    return {
      sentPerSecond: (total * 1000) / sentMs,
      receivedPerSecond: (report.candles * 1000) / report.elapsedMs,
      received: report.candles,
      rejected: report.rejected,
      sendWaits: pub.stats.sendWaits,
    };
  } finally {
    await pub.stop();
  }
}

async function withoutSubscriber(streams: ReplayStream[]): Promise<number> {
  const pub = await startPublisher({
    streams,
    pubEndpoint: "tcp://127.0.0.1:*",
    reqEndpoint: "tcp://127.0.0.1:*",
    speed: "max",
    batchSize: BATCH,
    partials: 0,
    paused: true,
  });
  try {
    const startedAt = performance.now();
    pub.resume();
    await pub.finished;
    return (pub.stats.candles * 1000) / (performance.now() - startedAt);
  } finally {
    await pub.stop();
  }
}

export function makeStreams(count: number, bars: number): ReplayStream[] {
  return Array.from({ length: count }, (_, s) => {
    const candles: Candle[] = new Array(bars);
    for (let i = 0; i < bars; i++) {
      const open = 100 + s + (i % 97) * 0.01;
      const close = open + ((i % 11) - 5) * 0.01;
      candles[i] = {
        openTimeMs: 1_709_562_600_000 + i * 60_000,
        open,
        high: Math.max(open, close) + 0.02,
        low: Math.min(open, close) - 0.02,
        close,
        volume: 1_000 + (i % 500),
      };
    }
    return { symbol: `SYM${s}`, interval: "1m", candles };
  });
}
