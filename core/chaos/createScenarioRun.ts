/**
 * `createScenarioRun()`: the bookkeeping of one scenario — the processes it starts (and always stops), what was
 * published, the checks and figures — and `finish()`, which reads the final cache, compares it with what was
 * published and builds the table row. Scenarios (scenarios/*.ts) only say what happens.
 */
import { copyFile } from "node:fs/promises";
import { createRng } from "../market/createRng.ts";
import { mixSeeds } from "../market/mixSeeds.ts";
import type { SendEvent } from "../publisher/types.ts";
import type { Candle } from "../wire/types.ts";
import { compareBars } from "./compareBars.ts";
import { type BarKey, expectedBars, expectedPrefix, summarizePublished } from "./expectedBars.ts";
import { type Metrics, samplesByLabel } from "./parsePrometheus.ts";
import type { PublisherChildConfig } from "./publisherChild.ts";
import { type CacheContents, readCacheFile } from "./readCacheFile.ts";
import { type AppProcess, type AppProcessOptions, startAppProcess } from "./startAppProcess.ts";
import { type PublisherProcess, startPublisherProcess } from "./startPublisherProcess.ts";
import type { ChaosScale, Check, ScenarioContext, ScenarioResult } from "./types.ts";

/** The goal of issue 7: the cache caught up within 5 s of a fault's end. */
export const RECOVERY_GOAL_MS = 5000;
/** Safety net of every wait: a scenario that waits this long has failed (its row says what for). */
export const WAIT_DEADLINE_MS = 90_000;
/** Heartbeat timeout given to every app, so that staleness shows within a second. */
export const APP_HEARTBEAT_TIMEOUT_MS = 1000;

/** How often the ingest worker posts its counters to the main thread (DEFAULT_TUNING.statsMs). */
export const STATS_PERIOD_MS = 500;

/** The default publisher work of a scenario; scenarios override what their fault needs. */
export interface Workload {
  symbols: string[];
  /** Bars per stream. */
  bars: number;
  /** Data messages per second overall. */
  rate: number;
  partials: number;
  batchSize: number;
  heartbeatMs: number;
}

export function defaultWorkload(scale: ChaosScale): Workload {
  return scale === "ci"
    ? { symbols: ["AAA", "BBB"], bars: 400, rate: 800, partials: 2, batchSize: 1, heartbeatMs: 200 }
    : { symbols: ["AAA", "BBB", "CCC", "DDD"], bars: 1500, rate: 1500, partials: 2, batchSize: 1, heartbeatMs: 200 };
}

export interface ScenarioRun {
  readonly id: number;
  readonly name: string;
  readonly ctx: ScenarioContext;
  readonly dir: string;
  readonly workload: Workload;
  /** The cache `finish()` reads; default `<dir>/cache.duckdb`. */
  cachePath: string;
  /** Seeded uniform numbers in [0, 1): the scenario's random moments. */
  random(): number;
  /** A publisher child config from the workload, the scenario seed and `overrides`. */
  publisherConfig(overrides?: Partial<PublisherChildConfig>): PublisherChildConfig;
  startPublisher(overrides?: Partial<PublisherChildConfig>): Promise<PublisherProcess>;
  startApp(options: Partial<AppProcessOptions> & { pub: string; req: string }): AppProcess;
  /** Waits until the app serves and every source is live; returns the ms it took. */
  waitLive(app: AppProcess): Promise<number>;
  /**
   * Waits until the app's committed cursors reach `target` (topic → seq, in `epoch` if given) with no open gap, and
   * returns the ms it took: the cache holds everything published up to `target`.
   */
  caughtUp(app: AppProcess, target: Record<string, number>, options?: { epoch?: bigint }): Promise<number>;
  /** SIGTERM, and a check that the app exited 0 by itself. */
  stopApp(app: AppProcess, label?: string): Promise<Deno.CommandStatus>;
  /** SIGKILL (counters scraped just before). */
  killApp(app: AppProcess): Promise<void>;
  /** The app is meant to exit by itself (a refused second instance): not a crash. */
  expectExit(app: AppProcess): void;
  /**
   * Copies the cache files (the app must be gone) for `finish()` to inspect: that they open, hold no message twice
   * and, with one publisher session, exactly the messages their cursors cover (expectedPrefix).
   */
  snapshotCache(label: string): Promise<void>;
  /** A publisher session's events, in the order the app saw the sessions; `expected: false` = must not win. */
  addSession(events: readonly SendEvent[], options?: { expected?: boolean }): void;
  /** Replaces the expected bars computed from the sessions. */
  expectBars(bars: Map<BarKey, Candle>): void;
  recovered(ms: number): void;
  check(name: string, ok: boolean, detail: string, options?: { timed?: boolean }): boolean;
  note(text: string): void;
  figure(name: string, value: unknown): void;
  /** Polls `probe` until it returns something other than null/false; throws after `deadlineMs`. */
  waitFor<T>(
    what: string,
    probe: () => Promise<T | null | false>,
    options?: { deadlineMs?: number; intervalMs?: number },
  ): Promise<T>;
  /** Scrapes the app's /metrics now and keeps them as its last counters. */
  scrape(app: AppProcess): Promise<Metrics | null>;
  finish(error?: unknown): Promise<ScenarioResult>;
}

interface AppEntry {
  app: AppProcess;
  /** How the scenario ended it: "term" must exit 0, "kill" is a SIGKILL; null: still running or died by itself. */
  endedBy: "term" | "kill" | "cleanup" | "expected" | null;
  metrics: Metrics | null;
}

export function createScenarioRun(ctx: ScenarioContext, scenario: { id: number; name: string }): ScenarioRun {
  const started = performance.now();
  const rng = createRng(mixSeeds(ctx.seed, scenario.id));
  const workload = defaultWorkload(ctx.scale);
  const apps: AppEntry[] = [];
  const publishers: PublisherProcess[] = [];
  const sessions: { events: readonly SendEvent[]; expected: boolean }[] = [];
  const snapshots: { label: string; dir: string }[] = [];
  const checks: Check[] = [];
  const notes: string[] = [];
  const figures: Record<string, unknown> = {};
  const recoveries: number[] = [];
  let expectedOverride: Map<BarKey, Candle> | null = null;

  const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

  const run: ScenarioRun = {
    id: scenario.id,
    name: scenario.name,
    ctx,
    dir: ctx.dir,
    workload,
    cachePath: `${ctx.dir}/cache.duckdb`,
    random: () => rng.nextFloat(),

    publisherConfig(overrides = {}): PublisherChildConfig {
      return {
        pub: "tcp://127.0.0.1:0",
        req: "tcp://127.0.0.1:0",
        streams: { seed: ctx.seed, symbols: workload.symbols, bars: workload.bars },
        anchorMs: Date.UTC(2025, 0, 6, 16, 0),
        rate: workload.rate,
        batchSize: workload.batchSize,
        partials: workload.partials,
        heartbeatMs: workload.heartbeatMs,
        // Everything stays backfillable by seq, however long the app was away.
        historyLimit: 1_000_000,
        maxBackfill: 2000,
        paused: true,
        record: `${ctx.dir}/publisher-${publishers.length + 1}.rec`,
        ...overrides,
      };
    },

    async startPublisher(overrides = {}): Promise<PublisherProcess> {
      const config = run.publisherConfig(overrides);
      const publisher = await startPublisherProcess(config, {
        logFile: config.record.replace(/\.rec$/, ".log"),
      });
      publishers.push(publisher);
      return publisher;
    },

    startApp(options): AppProcess {
      const app = startAppProcess({
        db: run.cachePath,
        heartbeatTimeoutMs: APP_HEARTBEAT_TIMEOUT_MS,
        logFile: `${ctx.dir}/app-${apps.length + 1}.log`,
        ...options,
      });
      apps.push({ app, endedBy: null, metrics: null });
      return app;
    },

    async waitLive(app): Promise<number> {
      const t0 = performance.now();
      await Promise.race([
        app.up,
        app.exited.then(() => {
          throw new Error(`the app (pid ${app.pid}) exited while starting: ${app.logLines().slice(-5).join(" | ")}`);
        }),
      ]);
      await run.waitFor("every source to be live", async () => {
        const health = await app.health();
        return health.sources.length > 0 &&
          health.sources.every((s) => s.state === "live" || s.state === "backfilling");
      });
      return performance.now() - t0;
    },

    async caughtUp(app, target, options = {}): Promise<number> {
      const t0 = performance.now();
      const epoch = options.epoch === undefined ? null : String(options.epoch);
      let last = "";
      try {
        await run.waitFor("the cache to catch up", async () => {
          const cursors = await app.query(`SELECT topic, CAST(epoch AS VARCHAR), last_seq FROM ingest_cursors`);
          const [[open]] = await app.query(`SELECT count(*) FROM gaps WHERE state IN ('open', 'requested')`);
          const at = new Map(
            cursors.map(([topic, e, seq]) => [topic as string, { epoch: e as string, seq: Number(seq) }]),
          );
          const behind = Object.entries(target).filter(([topic, seq]) => {
            const cursor = at.get(topic);
            return cursor === undefined || cursor.seq < seq || (epoch !== null && cursor.epoch !== epoch);
          });
          last = `${behind.length} topic(s) behind (${
            behind.slice(0, 3).map(([t, s]) => `${t}: ${at.get(t)?.seq ?? "none"}/${s}`).join(", ")
          }), ${open} open gap(s)`;
          return behind.length === 0 && Number(open) === 0;
        });
      } catch (error) {
        throw new Error(`${error instanceof Error ? error.message : error}; last seen: ${last}`);
      }
      return performance.now() - t0;
    },

    async stopApp(app, label = "the app"): Promise<Deno.CommandStatus> {
      // The app's counters reach its main thread every 500 ms (IngestTuning.statsMs): let the last ones arrive.
      await sleep(STATS_PERIOD_MS + 100);
      await run.scrape(app);
      const entry = apps.find((e) => e.app === app)!;
      entry.endedBy = "term";
      const t0 = performance.now();
      const { status, forced } = await app.stop({ signal: "SIGTERM", timeoutMs: 30_000 });
      run.check(
        `${label} exits 0 on SIGTERM`,
        !forced && status.code === 0,
        forced
          ? "still running 30 s after SIGTERM; killed"
          : `exit code ${status.code} after ${ms(performance.now() - t0)}`,
      );
      return status;
    },

    async killApp(app): Promise<void> {
      await run.scrape(app);
      apps.find((e) => e.app === app)!.endedBy = "kill";
      app.kill("SIGKILL");
      await app.exited;
    },

    expectExit(app): void {
      apps.find((e) => e.app === app)!.endedBy = "expected";
    },

    async snapshotCache(label): Promise<void> {
      const dir = `${ctx.dir}/snapshot-${snapshots.length + 1}`;
      await Deno.mkdir(dir, { recursive: true });
      for (const suffix of ["", ".wal"]) {
        try {
          await copyFile(`${run.cachePath}${suffix}`, `${dir}/cache.duckdb${suffix}`);
        } catch (error) {
          if (!(error instanceof Deno.errors.NotFound)) throw error;
        }
      }
      snapshots.push({ label, dir });
    },

    addSession(events, options = {}): void {
      sessions.push({ events, expected: options.expected ?? true });
    },

    expectBars(bars): void {
      expectedOverride = bars;
    },

    recovered(msValue): void {
      recoveries.push(msValue);
    },

    check(name, ok, detail, options = {}): boolean {
      checks.push({ name, ok, detail, timed: options.timed ?? false });
      ctx.log(`  ${ok ? "ok  " : "FAIL"} ${name}: ${detail}`);
      return ok;
    },

    note(text): void {
      notes.push(text);
      ctx.log(`  note: ${text}`);
    },

    figure(name, value): void {
      figures[name] = value;
    },

    async waitFor<T>(
      what: string,
      probe: () => Promise<T | null | false>,
      options: { deadlineMs?: number; intervalMs?: number } = {},
    ): Promise<T> {
      const deadline = performance.now() + (options.deadlineMs ?? WAIT_DEADLINE_MS);
      let lastError = "";
      for (;;) {
        try {
          const value = await probe();
          if (value !== null && value !== false) return value;
        } catch (error) {
          lastError = error instanceof Error ? error.message : String(error);
        }
        if (performance.now() > deadline) {
          throw new Error(
            `timed out after ${ms(options.deadlineMs ?? WAIT_DEADLINE_MS)} waiting for ${what}${
              lastError ? ` (last error: ${lastError})` : ""
            }`,
          );
        }
        await sleep(options.intervalMs ?? 50);
      }
    },

    async scrape(app): Promise<Metrics | null> {
      const entry = apps.find((e) => e.app === app);
      try {
        const metrics = await app.metrics();
        if (entry) entry.metrics = metrics;
        return metrics;
      } catch {
        return null;
      }
    },

    async finish(error?: unknown): Promise<ScenarioResult> {
      if (error !== undefined) {
        run.check("the scenario ran to the end", false, error instanceof Error ? error.message : String(error));
      }
      // Whatever is still running is stopped here; an app that did not exit by the scenario's hand is a crash.
      for (const entry of apps) {
        const exited = await Promise.race([entry.app.exited.then(() => true), sleep(0).then(() => false)]);
        if (!exited) {
          await run.scrape(entry.app);
          entry.endedBy ??= "cleanup";
          await entry.app.stop({ signal: "SIGKILL", timeoutMs: 10_000 });
        }
      }
      for (const publisher of publishers) {
        publisher.kill("SIGCONT");
        await publisher.stop().catch(() => {});
      }
      const crashes: string[] = [];
      for (const entry of apps) {
        const status = await entry.app.exited;
        const log = entry.app.logLines().join("\n");
        if (entry.endedBy === null) crashes.push(`pid ${entry.app.pid} exited by itself with code ${status.code}`);
        const fatal = /ingest worker crashed|unhandled rejection|panicked|Uncaught/i.exec(log);
        if (fatal) crashes.push(`pid ${entry.app.pid} logged "${fatal[0]}"`);
      }
      if (apps.length > 0) {
        run.check("no crash of the app", crashes.length === 0, crashes.join("; ") || `${apps.length} app process(es)`);
      }

      const summary = summarizePublished(sessions.map((s) => s.events));
      let cache: CacheContents | null = null;
      let expected = expectedOverride;
      let lost = 0;
      let wrong = 0;
      let duplicated = 0;
      if (sessions.length > 0 || expectedOverride !== null) {
        expected ??= expectedBars(sessions.filter((s) => s.expected).map((s) => s.events));
        try {
          cache = await readCacheFile(run.cachePath);
        } catch (readError) {
          run.check("the final cache opens and reads cleanly", false, String(readError));
        }
        if (cache !== null) {
          const diff = compareBars(expected, cache.bars);
          lost = diff.missing.length;
          wrong = diff.different.length + diff.extra.length;
          duplicated = cache.twins + cache.latestDuplicates;
          run.check(
            "no bar lost",
            lost === 0,
            lost === 0 ? `${expected.size} bars` : `missing ${diff.missing.slice(0, 3)}`,
          );
          run.check(
            "no bar wrong",
            wrong === 0,
            wrong === 0
              ? "every bar is its newest published revision"
              : `different ${diff.different.slice(0, 3)}; never published ${diff.extra.slice(0, 3)}`,
          );
        }
      }
      let snapshotTwins = 0;
      const unreadable: string[] = [];
      const inconsistent: string[] = [];
      for (const snapshot of snapshots) {
        let contents: CacheContents;
        try {
          contents = await readCacheFile(`${snapshot.dir}/cache.duckdb`);
        } catch (readError) {
          unreadable.push(`${snapshot.label}: ${readError instanceof Error ? readError.message : readError}`);
          continue;
        }
        snapshotTwins = Math.max(snapshotTwins, contents.twins + contents.latestDuplicates);
        // With one session, the cursors say exactly which messages the snapshot must hold.
        if (sessions.length === 1) {
          const diff = compareBars(expectedPrefix(sessions[0].events, contents), contents.bars);
          const bad = diff.missing.length + diff.extra.length + diff.different.length;
          if (bad > 0) {
            inconsistent.push(
              `${snapshot.label}: ${diff.missing.length} bars below the cursors missing (${
                diff.missing.slice(0, 2)
              }), ${diff.extra.length} beyond them (${diff.extra.slice(0, 2)}), ${diff.different.length} stale`,
            );
          }
        }
      }
      if (snapshots.length > 0 && sessions.length === 1) {
        run.check(
          "every cache left behind holds exactly the messages its cursors cover",
          inconsistent.length === 0,
          inconsistent.join("; ") || `${snapshots.length} snapshot(s): cursors and data committed together`,
        );
      }
      if (snapshots.length > 0) {
        run.check(
          "every cache left behind opens and reads cleanly",
          unreadable.length === 0,
          unreadable.join("; ") || `${snapshots.length} snapshot(s)`,
        );
      }
      duplicated = Math.max(duplicated, snapshotTwins);
      if (cache !== null || snapshots.length > 0) {
        run.check(
          "no message stored twice",
          duplicated === 0,
          `${cache?.twins ?? 0} in the final cache, worst snapshot after a kill ${snapshotTwins}`,
        );
      }
      const recoverMs = recoveries.length === 0 ? null : Math.max(...recoveries);
      if (recoverMs !== null) {
        run.check(
          `recovery within ${RECOVERY_GOAL_MS / 1000} s`,
          recoverMs <= RECOVERY_GOAL_MS,
          `worst ${ms(recoverMs)} of ${recoveries.length}: ${recoveries.map(ms).join(", ")}`,
          { timed: true },
        );
      }

      const rejected: Record<string, number> = {};
      for (const entry of apps) {
        if (entry.metrics === null) continue;
        for (
          const [reason, count] of Object.entries(samplesByLabel(entry.metrics, "fluxbook_rejected_total", "reason"))
        ) {
          rejected[reason] = (rejected[reason] ?? 0) + count;
        }
      }
      const peak = Math.max(0, ...apps.map((e) => e.app.peakRssKb()));
      return {
        id: scenario.id,
        name: scenario.name,
        published: summary.messages,
        expectedRows: expected?.size ?? 0,
        cacheRows: cache?.bars.size ?? 0,
        lost,
        duplicated,
        wrong,
        rejected,
        gapsOpened: cache === null ? 0 : Object.values(cache.gaps).reduce((a, b) => a + b, 0),
        gapsFilled: cache?.gaps.filled ?? 0,
        gapsUnfillable: cache?.gaps.unfillable ?? 0,
        recoverMs,
        peakRssMb: peak > 0 ? Math.round(peak / 1024) : null,
        checks,
        notes,
        figures: { ...figures, publishedFaults: summary },
        pass: checks.every((c) => c.ok),
        durationMs: Math.round(performance.now() - started),
      };
    },
  };
  return run;
}

/** `1234.5` → `"1.23 s"`. */
export function ms(value: number): string {
  return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${Math.round(value)} ms`;
}
