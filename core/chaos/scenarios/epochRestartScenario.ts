/**
 * 4. Publisher restart with a new epoch while the app waits on the socket. The first publisher is stopped part-way;
 * the app goes stale, then offline; a second one binds the same endpoints with a new epoch and other prices,
 * starting 20 bars before where the first stopped (a restart re-sends the bars it was forming). The cache must hold
 * the second publisher's revision of every bar it re-sent, and the first's of every other. Recovery: from the
 * second publisher binding to the cache holding what it had sent 200 ms later.
 */
import { decodeFrame } from "../../wire/decode.ts";
import type { SendEvent } from "../../publisher/types.ts";
import type { Scenario } from "../types.ts";

const OVERLAP_BARS = 20;
const MINUTE_MS = 60_000;

export const epochRestartScenario: Scenario = {
  id: 4,
  name: "publisher restart, new epoch",
  ci: true,
  async play(run): Promise<void> {
    const first = await run.startPublisher();
    const app = run.startApp(first.endpoints);
    await run.waitLive(app);
    await first.resume();
    await new Promise((resolve) => setTimeout(resolve, 1000 + run.random() * 1000));
    await run.caughtUp(app, await first.seqs(), { epoch: first.epoch });
    const firstEvents = await first.stop();
    run.addSession(firstEvents);

    // The app waits: stale after the heartbeat timeout, then offline.
    const states = new Set<string>();
    await run.waitFor("the app to show the publisher offline", async () => {
      const health = await app.health();
      for (const source of health.sources) states.add(source.state);
      return health.sources.every((s) => s.state === "offline");
    });
    run.check(
      "the app showed the silent publisher stale, then offline",
      states.has("offline"),
      [...states].join(" → "),
    );

    const anchorMs = newestOpenTimeMs(firstEvents) - (OVERLAP_BARS - 1) * MINUTE_MS;
    const second = await run.startPublisher({
      ...first.endpoints,
      paused: false,
      anchorMs,
      streams: { seed: run.ctx.seed + 1000, symbols: run.workload.symbols, bars: run.workload.bars },
    });
    const boundAt = performance.now();
    run.check("the new publisher has a new epoch", second.epoch !== first.epoch, `${first.epoch} → ${second.epoch}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await run.caughtUp(app, await second.seqs(), { epoch: second.epoch });
    run.recovered(performance.now() - boundAt);
    await second.finished;
    await run.caughtUp(app, await second.seqs(), { epoch: second.epoch });
    await run.stopApp(app);
    run.addSession(await second.stop());
  },
};

/** The open time of the newest bar any candle message carried (the bar the publisher was forming when it stopped). */
function newestOpenTimeMs(events: readonly SendEvent[]): number {
  let newest = -Infinity;
  for (const event of events) {
    if (event.fate === "garbage") continue;
    const decoded = decodeFrame(event.frame);
    if (decoded.kind !== "envelope" || decoded.envelope.payload.kind !== "candles") continue;
    for (const candle of decoded.envelope.payload.candles) newest = Math.max(newest, candle.openTimeMs);
  }
  if (newest === -Infinity) throw new Error("Cannot restart the publisher: the first one sent no candles");
  return newest;
}
