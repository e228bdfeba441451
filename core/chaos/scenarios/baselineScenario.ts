/** 1. Baseline: a clean run, for reference. */
import type { Scenario } from "../types.ts";

export const baselineScenario: Scenario = {
  id: 1,
  name: "baseline",
  ci: true,
  async play(run): Promise<void> {
    const publisher = await run.startPublisher();
    const app = run.startApp(publisher.endpoints);
    await run.waitLive(app);
    await publisher.resume();
    await publisher.finished;
    await run.caughtUp(app, await publisher.seqs(), { epoch: publisher.epoch });
    await run.stopApp(app);
    run.addSession(await publisher.stop());
  },
};
