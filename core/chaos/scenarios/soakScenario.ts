/**
 * 16. Soak: a steady flow for `--soak-minutes` (10 by default; not in CI). Every 5 s the app's resident memory, its
 * median publish-to-receive lag, its commit p99 and the latency of GET /api/health are sampled. Flat means: the
 * last minute's median RSS within SOAK_RSS_GROWTH of the second minute's (the first is warm-up), and the last
 * minute's lag and health latency within twice the second minute's plus 20 ms.
 */
import type { Scenario } from "../types.ts";

const SAMPLE_MS = 5000;
const RATE = 500;
export const SOAK_RSS_GROWTH = 0.2;

interface SoakSample {
  atS: number;
  rssMb: number;
  lagMs: number;
  commitP99Ms: number;
  healthMs: number;
}

export const soakScenario: Scenario = {
  id: 16,
  name: "soak",
  ci: false,
  async play(run): Promise<void> {
    const minutes = run.ctx.soakMinutes;
    const symbols = run.workload.symbols;
    const publisher = await run.startPublisher({
      rate: RATE,
      streams: { seed: run.ctx.seed, symbols, bars: Math.ceil((minutes * 60 * RATE) / 3 / symbols.length) },
    });
    const app = run.startApp(publisher.endpoints);
    await run.waitLive(app);
    await publisher.resume();
    const startedAt = performance.now();
    const samples: SoakSample[] = [];
    let finished = false;
    void publisher.finished.then(() => finished = true);
    while (!finished) {
      await new Promise((resolve) => setTimeout(resolve, SAMPLE_MS));
      const t0 = performance.now();
      await app.health();
      const healthMs = performance.now() - t0;
      const metrics = await app.metrics();
      const sample = {
        atS: Math.round((performance.now() - startedAt) / 1000),
        rssMb: Math.round((app.sampleMemory() ?? 0) / 1024),
        lagMs: (metrics.get("fluxbook_ingest_lag_seconds") ?? 0) * 1000,
        commitP99Ms: (metrics.get('fluxbook_commit_latency_seconds{quantile="0.99"}') ?? 0) * 1000,
        healthMs: Math.round(healthMs * 10) / 10,
      };
      samples.push(sample);
      if (samples.length % 12 === 0) {
        run.ctx.log(
          `  soak ${sample.atS} s: RSS ${sample.rssMb} MiB, lag ${sample.lagMs} ms, health ${sample.healthMs} ms`,
        );
      }
    }
    await run.caughtUp(app, await publisher.seqs(), { epoch: publisher.epoch });
    await run.stopApp(app);
    run.addSession(await publisher.stop());
    run.figure("soak", samples);

    const window = (fromS: number, toS: number): SoakSample[] => samples.filter((s) => s.atS > fromS && s.atS <= toS);
    const endS = samples.at(-1)?.atS ?? 0;
    const early = window(60, 120);
    const late = window(Math.max(120, endS - 60), endS);
    if (early.length === 0 || late.length === 0) {
      run.note(`too short to judge flatness (${endS} s of samples; needs over 2 minutes)`);
      return;
    }
    const median = (values: number[]): number => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
    const rss = [median(early.map((s) => s.rssMb)), median(late.map((s) => s.rssMb))];
    const lag = [median(early.map((s) => s.lagMs)), median(late.map((s) => s.lagMs))];
    const health = [median(early.map((s) => s.healthMs)), median(late.map((s) => s.healthMs))];
    // Checkpoints (every 60 s) and compaction (every 300 s) shape the RSS curve: say how the second half moved too.
    const half = window(Math.max(60, endS / 2 - 60), endS / 2);
    if (half.length > 0) {
      run.note(
        `RSS median ${rss[0]} MiB in minute 2, ${median(half.map((s) => s.rssMb))} MiB at half-time, ${
          rss[1]
        } MiB in the last minute`,
      );
    }
    run.check(
      "RSS stays flat",
      rss[1] <= rss[0] * (1 + SOAK_RSS_GROWTH),
      `median ${rss[0]} MiB in minute 2, ${rss[1]} MiB in the last minute`,
    );
    run.check(
      "lag stays flat",
      lag[1] <= 2 * lag[0] + 20,
      `median ${lag[0]} ms in minute 2, ${lag[1]} ms in the last minute`,
      { timed: true },
    );
    run.check(
      "HTTP latency stays flat",
      health[1] <= 2 * health[0] + 20,
      `median ${health[0]} ms in minute 2, ${health[1]} ms in the last minute`,
      { timed: true },
    );
  },
};
