/**
 * 8. Slow consumer: a publisher at full speed that drops at its high-water mark (no noDrop, HWM 50) and an app with
 * a small SUB high-water mark (`--hwm 50`). The app cannot keep up, libzmq drops, every loss comes back as a seq
 * gap and is backfilled. Memory must stay bounded: the ingest queue never exceeds its capacity, and the app's
 * resident memory grows by less than MEMORY_GROWTH_LIMIT_MB over what it had before the flood. Recovery: from the
 * publisher's last message to the cache holding everything.
 */
import type { Scenario } from "../types.ts";

const HWM = 50;
export const MEMORY_GROWTH_LIMIT_MB = 300;

export const slowConsumerScenario: Scenario = {
  id: 8,
  name: "slow consumer, HWM drops",
  ci: false,
  async play(run): Promise<void> {
    const full = run.ctx.scale === "full";
    const publisher = await run.startPublisher({
      speed: "max",
      rate: undefined,
      batchSize: 5,
      sendHighWaterMark: HWM,
      streams: { seed: run.ctx.seed, symbols: run.workload.symbols, bars: full ? 6000 : 2000 },
    });
    const app = run.startApp({ ...publisher.endpoints, hwm: HWM });
    await run.waitLive(app);
    const rssBeforeKb = app.sampleMemory() ?? 0;
    await publisher.resume();
    let maxQueue = 0;
    let capacity = 0;
    let paused = 0;
    let rssPeakKb = rssBeforeKb;
    let finished = false;
    void publisher.finished.then(() => finished = true);
    while (!finished) {
      const metrics = await run.scrape(app);
      maxQueue = Math.max(maxQueue, metrics?.get("fluxbook_queue_depth") ?? 0);
      capacity = metrics?.get("fluxbook_queue_capacity") ?? capacity;
      paused = metrics?.get("fluxbook_paused_reads_total") ?? paused;
      rssPeakKb = Math.max(rssPeakKb, app.sampleMemory() ?? 0);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const endedAt = performance.now();
    await run.caughtUp(app, await publisher.seqs(), { epoch: publisher.epoch });
    run.recovered(performance.now() - endedAt);
    const metrics = await run.scrape(app);
    await run.stopApp(app);
    run.addSession(await publisher.stop());
    const gaps = metrics?.get("fluxbook_gaps_opened_total") ?? 0;
    run.check("the high-water marks dropped messages", gaps > 0, `${gaps} gaps opened, ${paused} paused reads`);
    run.check("the ingest queue stayed bounded", maxQueue <= capacity, `max depth ${maxQueue} of ${capacity}`);
    const growthMb = Math.round((rssPeakKb - rssBeforeKb) / 1024);
    run.check(
      `memory grew by less than ${MEMORY_GROWTH_LIMIT_MB} MiB`,
      growthMb < MEMORY_GROWTH_LIMIT_MB,
      `RSS ${Math.round(rssBeforeKb / 1024)} MiB before the flood, peak ${Math.round(rssPeakKb / 1024)} MiB`,
    );
    run.figure("slowConsumer", {
      maxQueue,
      capacity,
      pausedReads: paused,
      rssBeforeMb: Math.round(rssBeforeKb / 1024),
      growthMb,
    });
  },
};
