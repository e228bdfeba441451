/**
 * 14. SIGTERM during heavy ingest: a lossless publisher at ~20 000 rows a second, the app stopped with SIGTERM at a random
 * moment of the flood. It must flush and checkpoint (no WAL left), exit 0, and leave a cache holding exactly the
 * messages its cursors cover (checked on a copy in `finish()`); restarted, it must fetch the rest so that nothing
 * published is lost. Recovery: from the restart to the cache holding everything published by then.
 */
import type { Scenario } from "../types.ts";

export const sigtermScenario: Scenario = {
  id: 14,
  name: "SIGTERM during heavy ingest",
  ci: true,
  async play(run): Promise<void> {
    const full = run.ctx.scale === "full";
    // 2000 messages of up to 20 bars a second: ~20 000 rows a second for the cache.
    const publisher = await run.startPublisher({
      rate: 2000,
      noDrop: true,
      batchSize: 20,
      partials: 1,
      streams: { seed: run.ctx.seed, symbols: run.workload.symbols, bars: full ? 60_000 : 40_000 },
    });
    let finished = false;
    void publisher.finished.then(() => finished = true);
    let app = run.startApp(publisher.endpoints);
    await run.waitLive(app);
    await publisher.resume();
    await new Promise((resolve) => setTimeout(resolve, 1000 + run.random() * (full ? 1500 : 1000)));
    const before = await run.scrape(app);
    const status = await run.stopApp(app, "the app stopped during the flood");
    const log = app.logLines().join("\n");
    run.check(
      "it stopped during heavy ingest",
      !finished,
      `${before?.get("fluxbook_messages_per_second") ?? "?"} msg/s, ${
        before?.get("fluxbook_rows_committed_total") ?? "?"
      } rows committed when the signal was sent; exit code ${status.code}`,
    );
    run.check(
      "the last batch was committed",
      !log.includes("stopping with an uncommitted batch"),
      /ingest stopped .*/.exec(log)?.[0] ?? "no 'ingest stopped' line",
    );
    const wal = await Deno.stat(`${run.cachePath}.wal`).then((info) => info.size, () => 0);
    run.check("the cache was checkpointed (no WAL left)", wal === 0, `${wal} bytes of WAL`);
    await run.snapshotCache("after SIGTERM");

    app = run.startApp(publisher.endpoints);
    run.recovered(await run.caughtUp(app, await publisher.seqs(), { epoch: publisher.epoch }));
    await publisher.finished;
    await run.caughtUp(app, await publisher.seqs(), { epoch: publisher.epoch });
    await run.stopApp(app);
    run.addSession(await publisher.stop());
  },
};
