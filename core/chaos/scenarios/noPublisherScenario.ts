/**
 * 10. No publisher at start: the cache already holds a session; the app starts with nobody on its endpoints. It
 * must serve the cache (its bars are queryable at once) and show the feed offline; when a publisher appears (a new
 * epoch, continuing the bars) it connects. Recovery: from the publisher binding to the cache holding what it had
 * sent 200 ms later.
 */
import type { Scenario } from "../types.ts";

export const noPublisherScenario: Scenario = {
  id: 10,
  name: "no publisher at start",
  ci: false,
  async play(run): Promise<void> {
    const first = await run.startPublisher();
    const seeding = run.startApp(first.endpoints);
    await run.waitLive(seeding);
    await first.resume();
    await first.finished;
    await run.caughtUp(seeding, await first.seqs(), { epoch: first.epoch });
    await run.stopApp(seeding, "the app that fills the cache");
    const firstEvents = await first.stop();
    run.addSession(firstEvents);

    const app = run.startApp(first.endpoints);
    await app.up;
    const [[bars]] = await app.query("SELECT count(*) FROM candles_latest");
    const states = new Set<string>();
    await run.waitFor("the app to show the feed offline", async () => {
      const health = await app.health();
      for (const source of health.sources) states.add(source.state);
      return health.sources.every((s) => s.state === "offline");
    });
    const [[barsLater]] = await app.query("SELECT count(*) FROM candles_latest");
    run.check("the app serves the cache without a publisher", Number(bars) > 0 && bars === barsLater, `${bars} bars`);
    run.check("the app shows the feed offline", states.has("offline"), [...states].join(" → "));

    const second = await run.startPublisher({
      ...first.endpoints,
      paused: false,
      anchorMs: run.publisherConfig().anchorMs + run.workload.bars * 60_000,
      streams: { seed: run.ctx.seed + 3000, symbols: run.workload.symbols, bars: run.workload.bars },
    });
    const boundAt = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 200));
    await run.caughtUp(app, await second.seqs(), { epoch: second.epoch });
    run.recovered(performance.now() - boundAt);
    await second.finished;
    await run.caughtUp(app, await second.seqs(), { epoch: second.epoch });
    await run.stopApp(app);
    run.addSession(await second.stop());
  },
};
