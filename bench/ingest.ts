/**
 * End-to-end ingest: a publisher in another process → SUB → decode → sequence → dedupe → DuckDB commit, with
 * the raw ceilings of the two ends measured in the same run (bare ZMQ PUB→SUB, bare Appender), so the figures
 * read as ratios on a noisy machine. Goals from the issue: >= 50% of the lower ceiling; p99 publish→commit
 * <= 50 ms at 100,000 candles/s.
 */
import { fileURLToPath } from "node:url";
import { startIngest } from "../core/ingest/ingest.ts";
import { createLogger } from "../core/log.ts";
import type { Figure } from "./figure.ts";
import { makeStreams, toOtherProcess } from "./publisher.ts";
import { appenderThroughput } from "./store.ts";

const GROUP = "ingest";
const CHILD = fileURLToPath(new URL("./ingestPublisher.ts", import.meta.url));
const quiet = createLogger("bench", "silent");

export async function run(): Promise<Figure[]> {
  const dir = await Deno.makeTempDir({ prefix: "fluxbook-bench-ingest-" });
  try {
    const sustained = await ingestRun(`${dir}/sustained.duckdb`, { streams: 20, bars: 50_000, rate: "max" });
    const paced = await ingestRun(`${dir}/paced.duckdb`, { streams: 20, bars: 25_000, rate: 1000 });
    const zmq = await toOtherProcess(makeStreams(10, 100_000), 1_000_000);
    const appender = await appenderThroughput(dir, "prefilled");
    const ceiling = Math.min(zmq.receivedPerSecond, appender);
    return [
      {
        group: GROUP,
        name: "sustained ingest, publish → committed (batches of 100)",
        value: Math.round(sustained.committedPerSecond),
        unit: "candles/s",
        goal: ">= 50% of the lower ceiling",
        note: `${sustained.rows} rows in ${sustained.seconds.toFixed(1)} s`,
      },
      {
        group: GROUP,
        name: "  ratio to the lower raw ceiling",
        value: Math.round((sustained.committedPerSecond / ceiling) * 100),
        unit: "%",
        goal: ">= 50 %",
      },
      {
        group: GROUP,
        name: "  raw ceiling: bare ZMQ PUB → SUB (decoded)",
        value: Math.round(zmq.receivedPerSecond),
        unit: "candles/s",
      },
      {
        group: GROUP,
        name: "  raw ceiling: bare Appender (2,048-row chunks)",
        value: Math.round(appender),
        unit: "rows/s",
      },
      {
        group: GROUP,
        name: "publish → commit p50 at 100,000 candles/s",
        value: paced.p50,
        unit: "ms",
        note: `${Math.round(paced.committedPerSecond)} candles/s committed`,
      },
      {
        group: GROUP,
        name: "publish → commit p99 at 100,000 candles/s",
        value: paced.p99,
        unit: "ms",
        goal: "<= 50 ms",
      },
      {
        group: GROUP,
        name: "peak RSS of the ingesting process",
        value: Math.round(Math.max(sustained.peakRssMb, paced.peakRssMb)),
        unit: "MB",
      },
    ];
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

interface IngestRun {
  rows: number;
  seconds: number;
  committedPerSecond: number;
  p50: number;
  p99: number;
  peakRssMb: number;
}

async function ingestRun(
  db: string,
  load: { streams: number; bars: number; rate: number | "max" },
): Promise<IngestRun> {
  const total = load.streams * load.bars;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CHILD, String(load.streams), String(load.bars), String(load.rate)],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const writer = child.stdin.getWriter();
  const ingest = await (async () => {
    const { value } = await lines.read();
    const endpoints = JSON.parse(value!.trim().split("\n")[0]) as { pub: string; req: string };
    return await startIngest(
      {
        pubEndpoints: [endpoints.pub],
        reqEndpoints: [endpoints.req],
        topics: [""],
        db,
        highWaterMark: 100_000,
        heartbeatTimeoutMs: 3000,
        backoffInitialMs: 50,
        backoffMaxMs: 500,
        windowCapacity: 500,
        flushRows: 16_384,
        flushMs: 20,
      },
      { logger: quiet },
      { lateJoinSeqs: 0, queueCapacity: 2048 },
    );
  })();
  let peakRssMb = 0;
  const sampler = setInterval(() => {
    peakRssMb = Math.max(peakRssMb, Deno.memoryUsage().rss / 2 ** 20);
  }, 50);
  try {
    while (ingest.stats().heartbeats === 0) await new Promise((r) => setTimeout(r, 10));
    await writer.write(new TextEncoder().encode("go\n"));
    const started = performance.now();
    while (ingest.stats().rowsCommitted < total) {
      await new Promise((r) => setTimeout(r, 5));
      if (performance.now() - started > 120_000) {
        throw new Error(`ingest stalled at ${ingest.stats().rowsCommitted}/${total}`);
      }
    }
    const seconds = (performance.now() - started) / 1000;
    const stats = ingest.stats();
    return {
      rows: stats.rowsCommitted,
      seconds,
      committedPerSecond: stats.rowsCommitted / seconds,
      p50: stats.publishToCommitMsP50,
      p99: stats.publishToCommitMsP99,
      peakRssMb,
    };
  } finally {
    clearInterval(sampler);
    await ingest.stop();
    await writer.close();
    await lines.cancel();
    await child.status;
  }
}
