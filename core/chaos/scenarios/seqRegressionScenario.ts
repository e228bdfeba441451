/**
 * 5. Sequence regression without a new epoch: after a first publisher has finished, a misbehaving one binds the
 * same endpoints with the SAME epoch, restarts its seqs at 1 and sends other prices for the same bars, fewer of
 * them, so that every seq it sends is at or below one already seen. Every such message must be counted (as a
 * duplicate or a regression) and none may reach the cache: it must still hold exactly the first publisher's bars.
 */
import { STATS_PERIOD_MS } from "../createScenarioRun.ts";
import { summarizePublished } from "../expectedBars.ts";
import type { Scenario } from "../types.ts";

export const seqRegressionScenario: Scenario = {
  id: 5,
  name: "seq regression, same epoch",
  ci: false,
  async play(run): Promise<void> {
    const first = await run.startPublisher();
    const app = run.startApp(first.endpoints);
    await run.waitLive(app);
    await first.resume();
    await first.finished;
    await run.caughtUp(app, await first.seqs(), { epoch: first.epoch });
    run.addSession(await first.stop());

    // The counters reach /metrics every stats period: let the first publisher's last ones arrive first.
    await new Promise((resolve) => setTimeout(resolve, STATS_PERIOD_MS + 100));
    const before = await run.scrape(app);
    const rogue = await run.startPublisher({
      ...first.endpoints,
      epoch: String(first.epoch),
      streams: { seed: run.ctx.seed + 2000, symbols: run.workload.symbols, bars: Math.floor(run.workload.bars / 2) },
    });
    // Resumed only once the app hears it, so that every message it sends arrives and must be counted.
    await run.waitFor("the app to hear the rogue publisher", async () => {
      const metrics = await app.metrics();
      return (metrics.get("fluxbook_heartbeats_total") ?? 0) > (before?.get("fluxbook_heartbeats_total") ?? 0) + 2;
    });
    await rogue.resume();
    await rogue.finished;
    const rogueEvents = await rogue.stop();
    const sent = summarizePublished([rogueEvents]).messages;
    const counted = await run.waitFor("every regressed message to be counted", async () => {
      const metrics = await app.metrics();
      const delta = (name: string): number => (metrics.get(name) ?? 0) - (before?.get(name) ?? 0);
      const total = delta("fluxbook_duplicates_total") + delta("fluxbook_regressions_total");
      return total >= sent ? total : null;
    }, { deadlineMs: 10_000 }).catch(() => null);
    await new Promise((resolve) => setTimeout(resolve, STATS_PERIOD_MS + 100));
    const after = await run.scrape(app);
    const delta = (name: string): number => (after?.get(name) ?? 0) - (before?.get(name) ?? 0);
    run.check(
      "every regressed message counted",
      counted !== null,
      `${sent} sent; ${delta("fluxbook_duplicates_total")} duplicates + ${
        delta("fluxbook_regressions_total")
      } regressions counted; ${delta("fluxbook_candles_total")} candles accepted`,
    );
    run.check(
      "no candle of the rogue publisher accepted",
      delta("fluxbook_candles_total") === 0,
      `${delta("fluxbook_candles_total")} candles accepted while it sent`,
    );
    run.figure("regressionCounters", {
      sent,
      duplicates: delta("fluxbook_duplicates_total"),
      regressions: delta("fluxbook_regressions_total"),
    });
    await run.stopApp(app);
    run.addSession(rogueEvents, { expected: false });
  },
};
