/**
 * GET /api/stream?keys=status,quote:AAPL,candle:AAPL|1m — the page's server-sent events (core/terminal/liveBridge.ts
 * names the keys). Only those key families are accepted; the hub checks the rest (count, length, characters).
 */
import type { AppState } from "../../core/appState.ts";
import { jsonFail } from "../../core/terminal/jsonResponse.ts";
import { createDefine } from "../../core/web/mod.ts";

const define = createDefine<AppState>();
const KEY = /^(status|quote:[A-Z0-9_-]{1,32}|candle:[A-Z0-9_-]{1,32}\|[1-9][0-9]{0,4}[smhdw])$/;

export const handler = define.handlers({
  GET(ctx) {
    const keys: string[] = ctx.url.searchParams.getAll("key");
    for (const list of ctx.url.searchParams.getAll("keys")) keys.push(...list.split(",").filter((k) => k !== ""));
    const bad = keys.find((key) => !KEY.test(key));
    if (bad !== undefined) {
      return jsonFail(
        400,
        `Cannot subscribe to ${JSON.stringify(bad.slice(0, 80))}: not a status, quote: or candle: key`,
      );
    }
    return ctx.state.hub.connect(ctx.req, { keys });
  },
});
