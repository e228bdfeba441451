/**
 * 13. A browser client that stops reading its event stream: a raw connection subscribes to every candle, quote
 * and status key of GET /api/stream and never reads. Once the kernel's socket buffers are full the hub coalesces,
 * then drops the client after its stall limit with a `lagging` event, which the client finds when it reads again.
 * Server memory must stay bounded meanwhile: the hub's buffer for the client never exceeds its 1 MiB cap (plus one
 * event), and the app's resident memory grows by less than SSE_GROWTH_LIMIT_MB.
 */
import { openRawHttp, readAll } from "../openRawHttp.ts";
import type { Scenario } from "../types.ts";

/** createSseHub's default maxBufferedBytes, plus one event of slack (the `lagging` one is enqueued past it). */
const CLIENT_BUFFER_LIMIT = 1024 * 1024 + 64 * 1024;
export const SSE_GROWTH_LIMIT_MB = 150;
const INTERVALS = ["1m", "5m", "15m", "1h", "1d"];

export const slowSseClientScenario: Scenario = {
  id: 13,
  name: "SSE client stops reading",
  ci: false,
  async play(run): Promise<void> {
    const symbols = run.workload.symbols;
    // The hub drops a stalled client after 30 s: the publisher must outlast that comfortably.
    const publisher = await run.startPublisher({
      rate: 1500,
      streams: { seed: run.ctx.seed, symbols, bars: Math.ceil((75 * 1500) / 3 / symbols.length) },
    });
    const app = run.startApp(publisher.endpoints);
    await run.waitLive(app);
    await publisher.resume();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const rssBeforeKb = app.sampleMemory() ?? 0;
    const keys = ["status", ...symbols.flatMap((s) => [`quote:${s}`, ...INTERVALS.map((i) => `candle:${s}|${i}`)])];
    const conn = await openRawHttp(await app.up, { target: `/api/stream?keys=${encodeURIComponent(keys.join(","))}` });
    const connectedAt = performance.now();
    let maxClientBytes = 0;
    let rssPeakKb = rssBeforeKb;
    let droppedAfterMs: number | null = null;
    try {
      await run.waitFor("the hub to drop the client that stopped reading", async () => {
        const metrics = await app.metrics();
        maxClientBytes = Math.max(maxClientBytes, metrics.get("fluxbook_sse_max_client_buffered_bytes") ?? 0);
        rssPeakKb = Math.max(rssPeakKb, app.sampleMemory() ?? 0);
        return (metrics.get("fluxbook_sse_dropped_clients_total") ?? 0) > 0;
      }, { intervalMs: 250, deadlineMs: 120_000 });
      droppedAfterMs = performance.now() - connectedAt;
      // Reading again: what the kernel held, then the hub's last word.
      const text = await readAll(conn, { timeoutMs: 10_000, untilClose: true });
      const told = /event: lagging\ndata: (.*)\n/.exec(text);
      run.check(
        "the client is told it lags",
        told !== null,
        told?.[1] ?? `${text.length} bytes read, no lagging event`,
      );
      run.check(
        "the stream ends after the lagging event",
        told !== null && !/\nevent: (?!lagging)/.test(text.slice(told.index + told[0].length)),
        `${text.length} bytes were waiting in the socket`,
      );
    } finally {
      conn.close();
    }
    run.check(
      "the hub's buffer for the client stayed under its cap",
      maxClientBytes <= CLIENT_BUFFER_LIMIT,
      `max ${Math.round(maxClientBytes / 1024)} KiB (cap ${CLIENT_BUFFER_LIMIT / 1024} KiB)`,
    );
    const growthMb = Math.round((rssPeakKb - rssBeforeKb) / 1024);
    run.check(
      `memory grew by less than ${SSE_GROWTH_LIMIT_MB} MiB`,
      growthMb < SSE_GROWTH_LIMIT_MB,
      `RSS ${Math.round(rssBeforeKb / 1024)} MiB at connect, peak ${Math.round(rssPeakKb / 1024)} MiB`,
    );
    run.figure("slowSseClient", { droppedAfterMs: Math.round(droppedAfterMs ?? -1), maxClientBytes, growthMb });
    await publisher.finished;
    await run.caughtUp(app, await publisher.seqs(), { epoch: publisher.epoch });
    await run.stopApp(app);
    run.addSession(await publisher.stop());
  },
};
