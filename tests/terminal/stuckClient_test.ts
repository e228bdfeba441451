import assert from "node:assert/strict";
import { CHART_INTERVALS } from "../../core/ingest/interval.ts";
import { syntheticStream } from "../publisher/harness.ts";
import { startTerminalApp, until } from "./terminalApp.ts";

const HIGH_WATER_MARK = 8 * 1024;

Deno.test("a tab that stops reading /api/stream does not grow the server's memory: the hub coalesces per key", async () => {
  // The real chain: publisher → ingest worker → live bridge → hub → /api/stream, flooded with bars.
  await using terminal = await startTerminalApp({
    streams: [syntheticStream("SYN", 5000), syntheticStream("ALT", 5000)],
    speed: 3000,
    hub: { highWaterMarkBytes: HIGH_WATER_MARK, maxBufferedBytes: 1024 * 1024, stallMs: 600_000 },
  });
  const keys = [
    "status",
    "quote:SYN",
    "quote:ALT",
    ...CHART_INTERVALS.flatMap((i) => [`candle:SYN|${i}`, `candle:ALT|${i}`]),
  ];
  const stuck = await terminal.request(`/api/stream?keys=${encodeURIComponent(keys.join(","))}`);
  assert.equal(stuck.status, 200);
  // Never read: the response body's queue fills to the high-water mark, then the hub keeps one value per key.
  const samples: number[] = [];
  const start = terminal.hub.stats();
  await until(() => {
    samples.push(terminal.hub.stats().maxClientBufferedBytes);
    return terminal.hub.stats().coalesced - start.coalesced > 2000;
  }, "2000 updates coalesced for the stuck tab");
  const stats = terminal.hub.stats();
  assert.equal(stats.clients, 1, "the stuck tab is still connected (it would be dropped only after stallMs)");
  // Bound: the stream's queue (high-water mark + one event) plus one pending value per key.
  const bound = HIGH_WATER_MARK + 1024 + keys.length * 1024;
  const peak = Math.max(...samples, stats.maxClientBufferedBytes);
  assert.ok(peak <= bound, `peak ${peak} bytes held for the stuck tab, bound ${bound}`);
  assert.ok(stats.coalesced > 2000);
  await stuck.body!.cancel();
  await until(() => terminal.hub.stats().clients === 0, "the hub to forget the cancelled tab");
  assert.equal(terminal.hub.stats().bufferedBytes, 0);
});
