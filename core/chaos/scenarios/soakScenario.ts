/**
 * 16. Soak: a steady flow (RATE messages/s) for `--soak-minutes` (10 by default; not in CI). Every second the app's
 * resident memory, its publish-to-commit and publish-to-receive latencies, its commit p99 and the latency of
 * GET /api/health are sampled; judgeSoak.ts says what "flat" means (the last third of the run against the second)
 * and sums up the first and the last minute.
 */
import { judgeSoak, type SoakSample } from "../judgeSoak.ts";
import type { Scenario } from "../types.ts";

const SAMPLE_MS = 1000;
const RATE = 500;
const LOG_EVERY_SAMPLES = 60;

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
      const seconds = (name: string): number | null => {
        const value = metrics.get(name);
        return value === undefined ? null : Math.round(value * 1e5) / 100;
      };
      const sample: SoakSample = {
        atS: Math.round((performance.now() - startedAt) / 1000),
        rssMb: Math.round((app.sampleMemory() ?? 0) / 1024),
        lagMs: seconds("fluxbook_ingest_lag_seconds") ?? 0,
        commitP99Ms: seconds('fluxbook_commit_latency_seconds{quantile="0.99"}') ?? 0,
        publishToCommitP50Ms: seconds('fluxbook_publish_to_commit_seconds{quantile="0.5"}'),
        publishToCommitP99Ms: seconds('fluxbook_publish_to_commit_seconds{quantile="0.99"}'),
        healthMs: Math.round(healthMs * 10) / 10,
      };
      samples.push(sample);
      if (samples.length % LOG_EVERY_SAMPLES === 0) {
        run.ctx.log(
          `  soak ${sample.atS} s: RSS ${sample.rssMb} MiB, publish→commit p50 ${sample.publishToCommitP50Ms} ms ` +
            `p99 ${sample.publishToCommitP99Ms} ms, lag ${sample.lagMs} ms, health ${sample.healthMs} ms`,
        );
      }
    }
    await run.caughtUp(app, await publisher.seqs(), { epoch: publisher.epoch });
    await run.stopApp(app);
    run.addSession(await publisher.stop());
    run.figure("soak", samples);

    const verdict = judgeSoak(samples);
    run.figure("soakFirstMinute", verdict.first);
    run.figure("soakLastMinute", verdict.last);
    for (const note of verdict.notes) run.note(note);
    for (const check of verdict.checks) run.check(check.name, check.ok, check.detail, { timed: check.timed });
  },
};
