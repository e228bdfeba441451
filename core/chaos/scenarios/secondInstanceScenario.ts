/**
 * 11. A second app instance on the same cache file: it must exit with a clear error that names the file and the
 * process holding it, and the first instance must go on ingesting as if nothing happened.
 */
import type { Scenario } from "../types.ts";

export const secondInstanceScenario: Scenario = {
  id: 11,
  name: "second instance, same cache",
  ci: true,
  async play(run): Promise<void> {
    const publisher = await run.startPublisher();
    const app = run.startApp(publisher.endpoints);
    await run.waitLive(app);
    await publisher.resume();
    await new Promise((resolve) => setTimeout(resolve, 500));

    const intruder = run.startApp(publisher.endpoints);
    run.expectExit(intruder);
    const status = await intruder.exited;
    const error = intruder.logLines().find((line) => /ERROR/.test(line)) ?? "(no error logged)";
    run.check(
      "the second instance exits with an error",
      !status.success && status.signal === null,
      `exit code ${status.code} in ${intruder.url() === null ? "start-up" : "service"}`,
    );
    run.check(
      "the error is clear",
      error.includes(run.cachePath) && error.includes("in use by another fluxbook process") &&
        error.includes(String(app.pid)),
      error.replace(/^\S+ ERROR\s+/, ""),
    );
    const health = await app.health();
    run.check(
      "the first instance is unaffected",
      health.cacheOpen && health.sources.every((s) => s.state === "live" || s.state === "backfilling"),
      `status ${health.status}, sources ${health.sources.map((s) => s.state).join(", ")}`,
    );
    await publisher.finished;
    await run.caughtUp(app, await publisher.seqs(), { epoch: publisher.epoch });
    await run.stopApp(app);
    run.addSession(await publisher.stop());
  },
};
