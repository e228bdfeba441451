/**
 * 9. Hung publisher: the publisher process is stopped with SIGSTOP for three heartbeat timeouts, then continued with
 * SIGCONT. The app must show it stale while it is silent, then recover: live again, every gap filled. Recovery: from
 * SIGCONT to the cache holding everything the publisher had sent by then.
 */
import { APP_HEARTBEAT_TIMEOUT_MS } from "../createScenarioRun.ts";
import type { Scenario } from "../types.ts";

export const hungPublisherScenario: Scenario = {
  id: 9,
  name: "hung publisher (SIGSTOP)",
  ci: true,
  async play(run): Promise<void> {
    const publisher = await run.startPublisher({
      streams: { seed: run.ctx.seed, symbols: run.workload.symbols, bars: run.workload.bars * 2 },
    });
    const app = run.startApp(publisher.endpoints);
    await run.waitLive(app);
    await publisher.resume();
    await new Promise((resolve) => setTimeout(resolve, 500 + run.random() * 1000));
    publisher.kill("SIGSTOP");
    const stoppedAt = performance.now();
    const seen = new Set<string>();
    while (performance.now() - stoppedAt < 3 * APP_HEARTBEAT_TIMEOUT_MS) {
      const health = await app.health().catch(() => null);
      for (const source of health?.sources ?? []) seen.add(source.state);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    publisher.kill("SIGCONT");
    const continuedAt = performance.now();
    // Offline comes only after stale (the subscriber's state machine); a busy machine may poll past stale.
    run.check(
      "the app showed the hung publisher stale",
      seen.has("stale") || seen.has("offline"),
      [...seen].join(", "),
    );
    const target = await publisher.seqs();
    await run.caughtUp(app, target, { epoch: publisher.epoch });
    await run.waitFor("the feed to be live again", async () => {
      const health = await app.health();
      return health.sources.every((s) => s.state === "live" || s.state === "backfilling");
    });
    run.recovered(performance.now() - continuedAt);
    await publisher.finished;
    await run.caughtUp(app, await publisher.seqs(), { epoch: publisher.epoch });
    await run.stopApp(app);
    run.addSession(await publisher.stop());
  },
};
