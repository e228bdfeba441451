/// <reference lib="deno.worker" />
/**
 * The ingest worker: hosts `startIngest()` (ZeroMQ, pipeline, DuckDB) off the main thread, whose event loop
 * serves HTTP and SSE. DuckDB's appender is synchronous and a big flush blocks its thread; here it only
 * delays the next socket read, which libzmq buffers up to the high-water mark.
 */
import { createLogger } from "../log.ts";
import type { CandleUpdate, FromWorker, ToWorker } from "./protocol.ts";
import { type Ingest, startIngest } from "./ingest.ts";
import { REQUEST_HANDLERS, type RequestContext, RequestError } from "./workerRequests.ts";

const UPDATE_FLUSH_MS = 10;

let ingest: Ingest | null = null;
let context: RequestContext | null = null;
/**
 * Settles once requests can be served (or cannot: null). `ready` reaches the main thread from inside
 * `startIngest()`, a moment before the reader connection exists; a request in that moment waits for it.
 */
let opening: Promise<RequestContext | null> = Promise.resolve(null);
let pending = new Map<string, CandleUpdate>();
let flushTimer: ReturnType<typeof setTimeout> | null = null;

function post(message: FromWorker): void {
  self.postMessage(message);
}

/** Coalesces candle updates to the newest value per (key, open time) and posts them every few ms. */
function queueUpdates(updates: readonly CandleUpdate[]): void {
  for (const update of updates) pending.set(`${update.key}@${update.candle.openTimeMs}`, update);
  flushTimer ??= setTimeout(flushUpdates, UPDATE_FLUSH_MS);
}

function flushUpdates(): void {
  flushTimer = null;
  if (pending.size === 0) return;
  const updates = [...pending.values()];
  pending = new Map();
  post({ type: "candles", updates });
}

// A long-running service must not die of one stray rejection: log it loudly and keep ingesting.
self.addEventListener("unhandledrejection", (event: PromiseRejectionEvent) => {
  event.preventDefault();
  const reason = event.reason instanceof Error ? event.reason.stack ?? event.reason.message : String(event.reason);
  createLogger("ingest", "error").error("unhandled rejection in the ingest worker (a bug; please report it)", {
    reason,
  });
});

self.onmessage = async (event: MessageEvent<ToWorker>): Promise<void> => {
  const message = event.data;
  switch (message.type) {
    case "start": {
      const log = createLogger("ingest", message.config.logLevel);
      let opened: (value: RequestContext | null) => void = () => {};
      opening = new Promise((resolve) => opened = resolve);
      try {
        ingest = await startIngest(message.config, {
          logger: log,
          onReady: (series) => post({ type: "ready", series }),
          onCandles: queueUpdates,
          onSources: (sources) => post({ type: "sources", sources }),
          onStats: (stats) => post({ type: "stats", stats }),
          onProgress: (progress) => post({ type: "progress", progress }),
        });
        context = { ingest, reader: await ingest.store.instance.connect(), post, playbacks: new Map() };
        opened(context);
      } catch (error) {
        opened(null);
        post({ type: "fatal", message: error instanceof Error ? error.message : String(error) });
      }
      break;
    }
    case "request": {
      const handler = REQUEST_HANDLERS[message.method];
      try {
        if (!handler) throw new RequestError(`Unknown request ${JSON.stringify(message.method)}`, 404);
        const ready = context ?? await opening;
        if (!ready) throw new RequestError("The cache is not open (yet)", 503);
        const value = await handler(ready, message.params);
        post({ type: "response", id: message.id, ok: true, value });
      } catch (error) {
        post({
          type: "response",
          id: message.id,
          ok: false,
          error: error instanceof Error ? error.message : String(error),
          status: error instanceof RequestError ? error.status : 500,
        });
      }
      break;
    }
    case "stop": {
      try {
        for (const playback of context?.playbacks.values() ?? []) playback.stop();
        context?.reader.closeSync();
        context = null;
        opening = Promise.resolve(null);
        await ingest?.stop();
      } finally {
        if (flushTimer !== null) clearTimeout(flushTimer);
        flushUpdates();
        post({ type: "stopped" });
        self.close();
      }
      break;
    }
  }
};
