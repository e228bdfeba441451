/** 6. Drops, duplicates and reordering at 3% each (seeded): gaps backfilled, no duplicate rows. */
import type { Scenario } from "../types.ts";

export const feedFaultsScenario: Scenario = {
  id: 6,
  name: "drops, dups, reorder 3%",
  ci: true,
  async play(run): Promise<void> {
    const publisher = await run.startPublisher({
      faults: { dropRate: 0.03, dupRate: 0.03, reorderRate: 0.03, seed: run.ctx.seed },
    });
    const app = run.startApp(publisher.endpoints);
    await run.waitLive(app);
    await publisher.resume();
    await publisher.finished;
    const endedAt = performance.now();
    await run.caughtUp(app, await publisher.seqs(), { epoch: publisher.epoch });
    run.figure("catchUpAfterLastMessageMs", Math.round(performance.now() - endedAt));
    const metrics = await run.scrape(app);
    await run.stopApp(app);
    const events = await publisher.stop();
    run.addSession(events);
    const count = (fate: string): number => events.filter((e) => e.fate === fate).length;
    run.check(
      "the faults happened and were seen",
      count("dropped") > 0 && count("duplicate") > 0 && events.some((e) => e.reordered) &&
        (metrics?.get("fluxbook_duplicates_total") ?? 0) >= count("duplicate"),
      `${count("dropped")} dropped, ${count("duplicate")} duplicated, ${
        events.filter((e) => e.reordered).length
      } reordered; the app counted ${metrics?.get("fluxbook_duplicates_total")} duplicates`,
    );
  },
};
