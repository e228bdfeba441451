/**
 * 3. kill -9 inside the commit of a batch. The app has no hook to hold a commit open, so the scenario makes commits
 * big and frequent (a heavy flow of 100-bar messages) and watches the app's threads in /proc (findFileSyscall.ts):
 * the kill is sent the moment one of them is inside a write or sync of the cache's WAL or database file, which
 * DuckDB does only while committing (or checkpointing). Each kill's row in the notes says what the thread was
 * doing; a kill that found no such moment within 10 s is sent anyway and reported as unverified.
 */
import { findFileSyscall } from "../findFileSyscall.ts";
import type { Scenario } from "../types.ts";

const WATCH_MS = 10_000;

export const killInCommitScenario: Scenario = {
  id: 3,
  name: "kill -9 inside a commit",
  ci: true,
  async play(run): Promise<void> {
    const full = run.ctx.scale === "full";
    const kills = full ? 3 : 1;
    const publisher = await run.startPublisher({
      rate: full ? 200 : 150,
      batchSize: 100,
      partials: 1,
      streams: { seed: run.ctx.seed, symbols: run.workload.symbols, bars: full ? 60_000 : 20_000 },
    });
    const files = [run.cachePath, `${run.cachePath}.wal`];
    let app = run.startApp(publisher.endpoints);
    await run.waitLive(app);
    await publisher.resume();
    let verified = 0;
    for (let kill = 1; kill <= kills; kill++) {
      await app.up;
      // Let commits get going (and, after a restart, the backfill of what the dead one missed).
      await new Promise((resolve) => setTimeout(resolve, 1000 + run.random() * 1000));
      const before = await run.scrape(app);
      const deadline = performance.now() + WATCH_MS;
      let hit = null;
      while (hit === null && performance.now() < deadline) {
        // Synchronous bursts: an await between two reads would let a whole commit pass unseen.
        const burstEnd = performance.now() + 20;
        while (hit === null && performance.now() < burstEnd) hit = findFileSyscall(app.pid, files);
        if (hit === null) await new Promise((resolve) => setTimeout(resolve, 0));
      }
      app.kill("SIGKILL");
      await run.killApp(app);
      if (hit !== null) verified++;
      run.note(
        `kill ${kill}: ${
          hit === null
            ? "no thread seen writing the cache within 10 s (unverified)"
            : `thread ${hit.tid} was in ${hit.syscall}() on ${hit.path.split("/").pop()}`
        }; ${before?.get("fluxbook_commits_total") ?? "?"} commits, ${
          before?.get("fluxbook_rows_committed_total") ?? "?"
        } rows committed shortly before`,
      );
      await run.snapshotCache(`kill ${kill}`);
      app = run.startApp(publisher.endpoints);
    }
    run.check("every kill landed inside a cache write", verified === kills, `${verified} of ${kills} verified`, {
      timed: true,
    });
    const restartTarget = await publisher.seqs();
    run.recovered(await run.caughtUp(app, restartTarget, { epoch: publisher.epoch }));
    await publisher.finished;
    await run.caughtUp(app, await publisher.seqs(), { epoch: publisher.epoch });
    await run.stopApp(app);
    run.addSession(await publisher.stop());
  },
};
