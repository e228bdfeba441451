/**
 * Integration: the demo publisher on ephemeral ports → the real subscriber → pipeline → a DuckDB file in a temp
 * dir, and back. Each test compares the cache with exactly what the publisher put on the wire.
 */
import assert from "node:assert/strict";
import { type Ingest, type IngestTuning, startIngest } from "../../core/ingest/ingest.ts";
import type { CandleUpdate } from "../../core/ingest/protocol.ts";
import { startPublisher } from "../../core/publisher/startPublisher.ts";
import type { Publisher, PublisherOptions, SendEvent } from "../../core/publisher/types.ts";
import type { Candle } from "../../core/wire/types.ts";
import { syntheticStream } from "../publisher/harness.ts";
import { compareBars } from "../../core/chaos/compareBars.ts";
import { expectedBars } from "../../core/chaos/expectedBars.ts";
import { readCacheFile } from "../../core/chaos/readCacheFile.ts";
import { ingestConfig, maxSeqByTopic, quietLogger, waitUntil } from "./fixtures/ingestHarness.ts";

const EPHEMERAL = "tcp://127.0.0.1:0";

interface Run {
  publisher: Publisher;
  events: SendEvent[];
  accepted: Map<string, Candle>;
  ingest: Ingest;
}

async function startBoth(
  db: string,
  options: Partial<PublisherOptions> & { streams: PublisherOptions["streams"] },
  tuning: Partial<IngestTuning> = {},
): Promise<Run> {
  const events: SendEvent[] = [];
  const publisher = await startPublisher({
    pubEndpoint: EPHEMERAL,
    reqEndpoint: EPHEMERAL,
    speed: "max",
    batchSize: 10,
    partials: 2,
    heartbeatMs: 200,
    noDrop: true,
    paused: true,
    ...options,
    onSend: (event) => events.push(event),
  });
  const accepted = new Map<string, Candle>();
  const ingest = await startIngest(
    ingestConfig(db, publisher.endpoints.pub, publisher.endpoints.req),
    { logger: quietLogger, onCandles: (updates) => record(accepted, updates) },
    tuning,
  );
  await waitUntil("the subscriber to hear a heartbeat", () => ingest.stats().heartbeats > 0);
  publisher.resume();
  return { publisher, events, accepted, ingest };
}

function record(accepted: Map<string, Candle>, updates: readonly CandleUpdate[]): void {
  for (const u of updates) accepted.set(`${u.key}|${u.candle.openTimeMs}`, u.candle);
}

function caughtUp(run: Run): () => boolean {
  return () => {
    if (!run.publisher.stats.finished) return false;
    const { missing, different } = compareBars(expectedBars([run.events]), run.accepted);
    return missing.length === 0 && different.length === 0 && run.ingest.stats().gapsOpen === 0;
  };
}

/** `sessions`: each publisher session's send log, in the order they ran (a newer epoch wins). */
async function assertCacheEquals(db: string, sessions: readonly (readonly SendEvent[])[]): Promise<void> {
  const cache = await readCacheFile(db);
  const expected = expectedBars(sessions);
  const diff = compareBars(expected, cache.bars);
  assert.deepEqual(
    { missing: diff.missing.slice(0, 5), extra: diff.extra.slice(0, 5), different: diff.different.slice(0, 5) },
    { missing: [], extra: [], different: [] },
  );
  assert.equal(cache.bars.size, expected.size);
  assert.equal(cache.latestDuplicates, 0);
  assert.equal((cache.gaps.open ?? 0) + (cache.gaps.requested ?? 0), 0);
}

Deno.test("ingest: every published candle is in the cache exactly once, and a restart hydrates the same window", async () => {
  const dir = await Deno.makeTempDir({ prefix: "fluxbook-ingest-" });
  const db = `${dir}/cache.duckdb`;
  try {
    const streams = [syntheticStream("AAA", 300), syntheticStream("BBB", 300), syntheticStream("CCC", 120, "5m")];
    const run = await startBoth(db, { streams });
    await waitUntil("the ingest to catch up with the publisher", caughtUp(run));
    const stats = run.ingest.stats();
    await run.ingest.stop();
    await run.publisher.stop();
    await assertCacheEquals(db, [run.events]);
    assert.equal(stats.rejected.topic_mismatch ?? 0, 0);

    // A restart hydrates the newest bars of every stream from the cache, and resumes the cursors.
    const series: { key: string; candles: Candle[] }[] = [];
    const again = await startIngest(ingestConfig(db, "tcp://127.0.0.1:9", "tcp://127.0.0.1:9"), {
      logger: quietLogger,
      onReady: (s) => series.push(...s),
    });
    await again.stop();
    const expected = expectedBars([run.events]);
    assert.deepEqual(series.map((s) => s.key).sort(), ["AAA|1m", "BBB|1m", "CCC|5m"]);
    for (const { key, candles } of series) {
      const want = [...expected.entries()].filter(([k]) => k.startsWith(`${key}|`))
        .map(([, bar]) => bar).sort((a, b) => a.openTimeMs - b.openTimeMs).slice(-500);
      assert.deepEqual(candles, want, `hydrated window of ${key}`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ingest: drops are backfilled, duplicates and reordering leave no duplicate rows, garbage is counted", async () => {
  const dir = await Deno.makeTempDir({ prefix: "fluxbook-ingest-" });
  const db = `${dir}/cache.duckdb`;
  try {
    const streams = [syntheticStream("AAA", 400), syntheticStream("BBB", 400)];
    const run = await startBoth(db, {
      streams,
      faults: { dropRate: 0.05, dupRate: 0.05, reorderRate: 0.05, garbageRate: 0.05, seed: 7 },
    });
    await waitUntil("the ingest to fill every gap", caughtUp(run));
    const stats = run.ingest.stats();
    await run.ingest.stop();
    await run.publisher.stop();
    await assertCacheEquals(db, [run.events]);

    const fates = (fate: SendEvent["fate"]): number => run.events.filter((e) => e.fate === fate).length;
    assert.ok(fates("dropped") > 0 && fates("duplicate") > 0 && fates("garbage") > 0, "the faults happened");
    assert.ok(stats.gapsOpened > 0, "drops were seen as gaps");
    assert.ok(stats.backfillFrames >= fates("dropped") - stats.gapsUnfillable, "drops were backfilled");
    assert.ok(stats.duplicates >= fates("duplicate"), "duplicates were counted");
    const rejected = Object.values(stats.rejected).reduce((a, b) => a + b, 0);
    assert.equal(
      rejected,
      fates("garbage"),
      `every garbage frame rejected by reason: ${JSON.stringify(stats.rejected)}`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ingest: a publisher restart with a new epoch while the subscriber waits loses nothing", async () => {
  const dir = await Deno.makeTempDir({ prefix: "fluxbook-ingest-" });
  const db = `${dir}/cache.duckdb`;
  try {
    const first = await startBoth(db, { streams: [syntheticStream("AAA", 200)] });
    await waitUntil("the first publisher's stream", caughtUp(first));
    const { pub, req } = first.publisher.endpoints;
    await first.publisher.stop();

    // Same ports, a new epoch, and bars that continue (and overlap) the first run's.
    const events: SendEvent[] = [];
    const second = await startPublisher({
      streams: [syntheticStream("AAA", 260)],
      pubEndpoint: pub,
      reqEndpoint: req,
      speed: "max",
      batchSize: 10,
      partials: 2,
      heartbeatMs: 200,
      noDrop: true,
      onSend: (event) => events.push(event),
    });
    assert.ok(second.epoch > first.publisher.epoch);
    const run: Run = { ...first, publisher: second, events };
    await waitUntil("the ingest to follow the restarted publisher", caughtUp(run));
    await first.ingest.stop();
    await second.stop();
    // The newer epoch wins for every bar it re-sent.
    await assertCacheEquals(db, [first.events, events]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ingest: a slow store keeps the queue bounded and ends with every gap filled", async () => {
  const dir = await Deno.makeTempDir({ prefix: "fluxbook-ingest-" });
  const db = `${dir}/cache.duckdb`;
  try {
    const streams = [syntheticStream("AAA", 600), syntheticStream("BBB", 600)];
    // No noDrop: the publisher outruns the paused reader, libzmq drops at the HWM, and backfill repairs it.
    const run = await startBoth(db, { streams, noDrop: false, sendHighWaterMark: 50, batchSize: 5 }, {
      commitDelayMs: 40,
      queueCapacity: 64,
    });
    let maxQueue = 0;
    await waitUntil("the slow ingest to catch up", () => {
      maxQueue = Math.max(maxQueue, run.ingest.stats().queueDepth);
      return caughtUp(run)();
    });
    const stats = run.ingest.stats();
    await run.ingest.stop();
    await run.publisher.stop();
    await assertCacheEquals(db, [run.events]);
    assert.ok(maxQueue <= 64 + 1, `queue depth stayed bounded (max ${maxQueue})`);
    assert.ok(stats.pausedReads > 0, "the reader paused when the queue was full");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ingest: a backlog waits for the store in bounded batches, and stop() commits every one of them", async () => {
  const dir = await Deno.makeTempDir({ prefix: "fluxbook-ingest-" });
  const db = `${dir}/cache.duckdb`;
  try {
    const streams = [syntheticStream("AAA", 400), syntheticStream("BBB", 400)];
    // Commits of at most 30 rows, 20 ms each, and at most 120 rows waiting for them: the store is far slower
    // than the feed, so bars pile up in sealed batches while the bound holds the rest in the queue and in libzmq.
    const run = await startBoth(db, { streams, partials: 0 }, {
      maxBatchRows: 30,
      maxPendingRows: 120,
      commitDelayMs: 20,
    });
    let maxPending = 0;
    await waitUntil("every frame to be received", () => {
      maxPending = Math.max(maxPending, run.ingest.stats().pendingRows);
      return run.publisher.stats.finished && run.ingest.stats().queueDepth === 0 &&
        run.ingest.stats().candlesAccepted === 800;
    });
    const before = run.ingest.stats();
    await run.ingest.stop();
    await run.publisher.stop();
    assert.ok(maxPending > 0 && maxPending <= 120 + 10, `pending rows stayed bounded (max ${maxPending})`);
    assert.ok(before.rowsCommitted < 800, `stop() found a backlog to commit (${before.rowsCommitted} committed)`);
    await assertCacheEquals(db, [run.events]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ingest: a fast feed commits in row-group batches, and with backlogHoldMs 0 in many small ones", async () => {
  const dir = await Deno.makeTempDir({ prefix: "fluxbook-ingest-" });
  try {
    const commitsWith = async (name: string, tuning: Partial<IngestTuning>): Promise<number> => {
      const db = `${dir}/${name}.duckdb`;
      // ~10,000 candles/s for 1.2 s: a 30 ms flush holds ~300 rows, and a "row group" of 1,000 fills in ~100 ms.
      const streams = [syntheticStream("AAA", 6000), syntheticStream("BBB", 6000)];
      const run = await startBoth(db, { streams, partials: 0, speed: undefined, rate: 2000, batchSize: 5 }, tuning);
      await waitUntil("every bar to be committed", () => run.ingest.stats().rowsCommitted === 12_000);
      const { commits } = run.ingest.stats();
      await run.ingest.stop();
      await run.publisher.stop();
      await assertCacheEquals(db, [run.events]);
      return commits;
    };
    const held = await commitsWith("held", { backlogBatchRows: 1000, backlogHoldMs: 400 });
    const free = await commitsWith("free", { backlogBatchRows: 1000, backlogHoldMs: 0 });
    assert.ok(held * 2 <= free, `held batches make fewer commits (${held} held, ${free} without the hold)`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ingest: kill -9 at random moments, then restart: the cache equals the published stream", async () => {
  const dir = await Deno.makeTempDir({ prefix: "fluxbook-ingest-" });
  const db = `${dir}/cache.duckdb`;
  const events: SendEvent[] = [];
  const publisher = await startPublisher({
    streams: [syntheticStream("AAA", 1500), syntheticStream("BBB", 1500)],
    pubEndpoint: EPHEMERAL,
    reqEndpoint: EPHEMERAL,
    rate: 150,
    batchSize: 5,
    // Drops open gaps inside each child's life, which must survive the kill as rows in `gaps`.
    faults: { dropRate: 0.05, seed: 3 },
    partials: 2,
    heartbeatMs: 200,
    historyLimit: 100_000,
    maxBackfill: 100_000,
    onSend: (event) => events.push(event),
  });
  const { pub, req } = publisher.endpoints;
  const child = new URL("./fixtures/ingestChild.ts", import.meta.url).pathname;
  let seed = 42;
  const random = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  try {
    for (let kill = 0; kill < 4; kill++) {
      const process = new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", child, db, pub, req],
        stdout: "piped",
        stderr: "null",
      }).spawn();
      const reader = process.stdout.pipeThrough(new TextDecoderStream()).getReader();
      const { value } = await reader.read();
      assert.equal(value?.trim(), "live", `child ${kill} started`);
      await new Promise((resolve) => setTimeout(resolve, 200 + random() * 600));
      process.kill("SIGKILL");
      await process.status;
      await reader.cancel();
    }
    assert.ok(!publisher.stats.finished, "the kills happened while the publisher was still sending");
    // The last run resumes from the persisted cursors, backfills what the dead ones missed, and stays to the end.
    const ingest = await startIngest(ingestConfig(db, pub, req), { logger: quietLogger });
    await waitUntil("the publisher to finish", () => publisher.stats.finished);
    const heartbeatsAtEnd = ingest.stats().heartbeats;
    await waitUntil(
      "the restarted ingest to fill every gap",
      () => ingest.stats().heartbeats >= heartbeatsAtEnd + 3 && ingest.stats().gapsOpen === 0,
    );
    await ingest.stop();
    await assertCacheEquals(db, [events]);
    const { cursors } = await readCacheFile(db);
    const maxSeq = await maxSeqByTopic(db);
    for (const cursor of cursors) {
      assert.equal(cursor.lastSeq, maxSeq.get(cursor.topic), `cursor of ${cursor.topic} = max seq`);
    }
  } finally {
    await publisher.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
