/**
 * 2. kill -9 of the app at random moments, five times in a row (three in CI), restarting it at once each time.
 * The moments are seeded and fall anywhere from 0.5 s to 5 s (3 s in CI) after a start: while the cache opens,
 * while the new process backfills what the dead one missed, or well into live ingest. Recovery: from the last restart to the cache holding everything
 * published up to that restart.
 */
import { ms } from "../createScenarioRun.ts";
import type { Scenario } from "../types.ts";

export const killScenario: Scenario = {
  id: 2,
  name: "kill -9 x5",
  ci: true,
  async play(run): Promise<void> {
    const full = run.ctx.scale === "full";
    const kills = full ? 5 : 3;
    // Long enough that the publisher is still sending after the last restart.
    const publisher = await run.startPublisher({
      rate: full ? 600 : 400,
      streams: { seed: run.ctx.seed, symbols: run.workload.symbols, bars: full ? 3000 : 800 },
      // Drops make every life of the app also handle gaps of its own.
      faults: { dropRate: 0.01, seed: run.ctx.seed },
    });
    let app = run.startApp(publisher.endpoints);
    await run.waitLive(app);
    await publisher.resume();
    const moments: string[] = [];
    for (let kill = 1; kill <= kills; kill++) {
      const aliveMs = full ? 500 + run.random() * 4500 : 500 + run.random() * 2500;
      await new Promise((resolve) => setTimeout(resolve, aliveMs));
      const serving = app.url() !== null;
      await run.killApp(app);
      moments.push(`${ms(aliveMs)} after start (${serving ? "serving" : "still starting"})`);
      await run.snapshotCache(`kill ${kill}`);
      app = run.startApp(publisher.endpoints);
    }
    run.note(`kills at ${moments.join("; ")}`);
    const restartTarget = await publisher.seqs();
    run.recovered(await run.caughtUp(app, restartTarget, { epoch: publisher.epoch }));
    await publisher.finished;
    await run.caughtUp(app, await publisher.seqs(), { epoch: publisher.epoch });
    await run.stopApp(app);
    run.addSession(await publisher.stop());
  },
};
