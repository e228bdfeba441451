/** GET /metrics — Prometheus text format: ingest counters and gauges, SSE hub stats. */
import type { AppState } from "../core/appState.ts";
import { formatPrometheus, PROMETHEUS_CONTENT_TYPE } from "../core/terminal/formatPrometheus.ts";
import { terminalMetrics } from "../core/terminal/terminalMetrics.ts";
import { createDefine } from "../core/web/mod.ts";

const define = createDefine<AppState>();

export const handler = define.handlers({
  GET(ctx) {
    const { ingest, hub, terminal } = ctx.state;
    const text = formatPrometheus(terminalMetrics(ingest.stats.peek(), {
      sse: hub.stats(),
      sources: ingest.sources.peek(),
      cacheOpen: terminal.isCacheOpen(),
    }));
    return new Response(text, {
      headers: { "content-type": PROMETHEUS_CONTENT_TYPE, "cache-control": "no-store" },
    });
  },
});
