/**
 * 7. Garbage frames of every kind the publisher makes (random bytes, truncated, wrong identifier, a higher schema
 * version, an absurd vector length, NaN prices, high < low), before 5% of the candle messages. Each must be
 * rejected with the reason the decoder gives that very frame, and the stream must go on: the feed never goes stale,
 * no gap opens (garbage takes no seq), the cache equals what was published.
 */
import { GARBAGE_KINDS } from "../../publisher/createFaultInjector.ts";
import { decodeFrame } from "../../wire/decode.ts";
import { samplesByLabel } from "../parsePrometheus.ts";
import type { Scenario } from "../types.ts";

export const garbageScenario: Scenario = {
  id: 7,
  name: "garbage frames",
  ci: true,
  async play(run): Promise<void> {
    const publisher = await run.startPublisher({ faults: { garbageRate: 0.05, seed: run.ctx.seed } });
    const app = run.startApp(publisher.endpoints);
    await run.waitLive(app);
    const liveLines = app.logLines().length;
    await publisher.resume();
    await publisher.finished;
    await run.caughtUp(app, await publisher.seqs(), { epoch: publisher.epoch });
    const interruptions = app.logLines().slice(liveLines).filter((line) =>
      /feed (stale|offline|connecting)/.test(line)
    );
    const events = await publisher.stop();
    run.addSession(events);

    const garbage = events.filter((e) => e.fate === "garbage");
    const want: Record<string, number> = {};
    for (const event of garbage) {
      const decoded = decodeFrame(event.frame);
      const reason = decoded.kind === "rejected" ? decoded.reason : "ACCEPTED";
      want[reason] = (want[reason] ?? 0) + 1;
    }
    // The counters reach /metrics every 500 ms: wait for them to add up (or give up and report what they say).
    let got: Record<string, number> = {};
    await run.waitFor("the rejections to be counted", async () => {
      const metrics = await run.scrape(app);
      got = metrics === null ? {} : samplesByLabel(metrics, "fluxbook_rejected_total", "reason");
      return JSON.stringify(sorted(want)) === JSON.stringify(sorted(got));
    }, { deadlineMs: 5000 }).catch(() => {});
    await run.stopApp(app);
    const kinds = new Set(garbage.map((e) => e.garbage));
    run.check(
      "every kind of garbage was sent",
      GARBAGE_KINDS.every((k) => kinds.has(k)),
      `${garbage.length} frames of ${kinds.size}/${GARBAGE_KINDS.length} kinds`,
    );
    run.check(
      "every garbage frame rejected, by its reason",
      JSON.stringify(sorted(want)) === JSON.stringify(sorted(got)),
      `expected ${JSON.stringify(sorted(want))}, counted ${JSON.stringify(sorted(got))}`,
    );
    run.check("the stream went on", interruptions.length === 0, interruptions.join(" | ") || "the feed stayed live");
  },
};

function sorted(record: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
}
