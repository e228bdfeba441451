/** GET /api/health — 200 while the cache is open (status "live" or "degraded"), 503 while it is not. */
import type { AppState } from "../../core/appState.ts";
import { jsonOk } from "../../core/terminal/jsonResponse.ts";
import { statusSnapshot } from "../../core/terminal/statusSnapshot.ts";
import { createDefine } from "../../core/web/mod.ts";

const define = createDefine<AppState>();

export const handler = define.handlers({
  GET(ctx) {
    const { ingest, hub, terminal } = ctx.state;
    const snapshot = statusSnapshot(ingest, hub);
    const cacheOpen = terminal.isCacheOpen();
    const allLive = snapshot.sources.length > 0 &&
      snapshot.sources.every((source) => source.state === "live" || source.state === "backfilling");
    const stats = ingest.stats.peek();
    const status = !cacheOpen ? "unavailable" : allLive && stats.commitError === null ? "live" : "degraded";
    return jsonOk({
      status,
      cacheOpen,
      // Set while the cache cannot be written (disk full, unwritable file): reads are paused until it clears.
      commitError: stats.commitError,
      sources: snapshot.sources,
      counters: {
        frames: stats.frames,
        decoded: stats.decoded,
        candlesAccepted: stats.candlesAccepted,
        rowsCommitted: stats.rowsCommitted,
        commits: stats.commits,
        gapsOpen: stats.gapsOpen,
        gapsUnfillable: stats.gapsUnfillable,
        messagesPerSec: stats.messagesPerSec,
        lagMsP50: stats.lagMsP50,
        lastCommitMs: stats.lastCommitMs,
      },
      sse: snapshot.sse,
    }, { status: cacheOpen ? 200 : 503 });
  },
});
