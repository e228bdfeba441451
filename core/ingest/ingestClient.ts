/**
 * `startIngestWorker()`: the main thread's handle on the ingest worker. It owns the signals the web layer reads —
 * the rolling candle window (with resampled intervals), connection state, counters and progress — and writes
 * them only from the worker's messages, inside `batch()`. Queries on the cache go to the worker as requests.
 */
import { batch, type ReadonlySignal, signal } from "@preact/signals-core";
import type { AppConfig } from "../config.ts";
import type { Logger } from "../log.ts";
import { type CandleWindow, createCandleWindow } from "./candleWindow.ts";
import {
  type CandleUpdate,
  emptyStats,
  type FromWorker,
  type IngestStats,
  type Progress,
  type SourceStatus,
  type ToWorker,
} from "./protocol.ts";
import { createResampler, type Resampler } from "./resampler.ts";

/** Interval the resampler builds the longer ones from. */
export const BASE_INTERVAL = "1m";

export interface IngestClient {
  /** Newest bars per `${symbol}|${interval}`, for the base interval and every resampled one. */
  readonly window: CandleWindow;
  readonly resampler: Resampler;
  /** Bars of offline playbacks (`request("playback.start", …)`), per key; never mixed with the live window. */
  readonly replayWindow: CandleWindow;
  readonly sources: ReadonlySignal<readonly SourceStatus[]>;
  readonly stats: ReadonlySignal<IngestStats>;
  readonly progress: ReadonlySignal<readonly Progress[]>;
  /** Resolves once the cache is open and the window hydrated; rejects if the worker could not start. */
  readonly ready: Promise<void>;
  /** Every batch of window updates (base and resampled), e.g. for the SSE fan-out. Returns an unsubscribe. */
  onCandles(listener: (updates: readonly CandleUpdate[]) => void): () => void;
  /** Asks the worker; rejects with a `WorkerRequestError` carrying an HTTP-ish status. */
  request<T = unknown>(method: string, params?: unknown): Promise<T>;
  /** Flushes, checkpoints and closes the cache, then ends the worker. */
  stop(): Promise<void>;
}

export class WorkerRequestError extends Error {
  override name = "WorkerRequestError";
  constructor(message: string, readonly status: number) {
    super(message);
  }
}

export function startIngestWorker(config: AppConfig, options: { logger: Logger }): IngestClient {
  const log = options.logger;
  const window = createCandleWindow({ capacity: config.windowCapacity });
  const resampler = createResampler({ base: BASE_INTERVAL });
  const sources = signal<readonly SourceStatus[]>([]);
  const stats = signal<IngestStats>(emptyStats());
  const progress = signal<readonly Progress[]>([]);
  const replayWindow = createCandleWindow({ capacity: config.windowCapacity });
  let ingestProgress: readonly Progress[] = [];
  const replayProgress = new Map<string, Progress>();
  const publishProgress = (): void => {
    progress.value = [...ingestProgress, ...replayProgress.values()];
  };
  const listeners = new Set<(updates: readonly CandleUpdate[]) => void>();
  const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  let nextId = 1;
  let stopped: Promise<void> | null = null;
  let resolveStopped: () => void = () => {};
  let dead = false;

  const worker = new Worker(new URL("./ingestWorker.ts", import.meta.url), { type: "module" });
  const post = (message: ToWorker): void => worker.postMessage(message);

  let resolveReady: () => void = () => {};
  let rejectReady: (error: Error) => void = () => {};
  const ready = new Promise<void>((resolve, reject) => {
    resolveReady = resolve;
    rejectReady = reject;
  });
  // A failed start is reported through `ready`; keep an unobserved rejection from crashing the process.
  ready.catch(() => {});

  function applyCandles(updates: readonly CandleUpdate[]): void {
    const all: CandleUpdate[] = [...updates];
    for (const update of updates) {
      if (update.interval !== BASE_INTERVAL) continue;
      for (const bar of resampler.update(update.symbol, update.candle)) {
        all.push({
          key: `${update.symbol}|${bar.interval}`,
          symbol: update.symbol,
          interval: bar.interval,
          candle: bar.candle,
          partial: update.partial,
        });
      }
    }
    window.apply(all);
    for (const listener of listeners) listener(all);
  }

  worker.onmessage = (event: MessageEvent<FromWorker>): void => {
    const message = event.data;
    switch (message.type) {
      case "ready":
        batch(() => {
          for (const { key, candles } of message.series) {
            window.seed(key, candles);
            const [symbol, interval] = key.split("|");
            if (interval !== BASE_INTERVAL) continue;
            resampler.seed(symbol, candles);
            for (const target of resampler.targets) {
              window.seed(`${symbol}|${target}`, resampler.bars(symbol, target, { limit: config.windowCapacity }));
            }
          }
        });
        resolveReady();
        break;
      case "candles":
        applyCandles(message.updates);
        break;
      case "sources":
        sources.value = message.sources;
        break;
      case "stats":
        stats.value = message.stats;
        break;
      case "progress":
        ingestProgress = message.progress;
        publishProgress();
        break;
      case "replay":
        if (message.updates.length > 0) replayWindow.apply(message.updates);
        if (message.progress.id !== "") {
          if (message.progress.total !== null && message.progress.done >= message.progress.total) {
            replayProgress.delete(message.progress.id);
          } else replayProgress.set(message.progress.id, message.progress);
          publishProgress();
        }
        break;
      case "response": {
        const waiter = pending.get(message.id);
        pending.delete(message.id);
        if (!waiter) break;
        if (message.ok) waiter.resolve(message.value);
        else waiter.reject(new WorkerRequestError(message.error, message.status));
        break;
      }
      case "fatal":
        // The caller of `ready` reports it (main.ts logs it once and exits 1).
        rejectReady(new Error(message.message));
        break;
      case "stopped":
        resolveStopped();
        break;
    }
  };
  worker.onerror = (event: ErrorEvent): void => {
    event.preventDefault();
    log.error("ingest worker crashed", { error: event.message });
    rejectReady(new Error(`ingest worker crashed: ${event.message}`));
    for (const waiter of pending.values()) waiter.reject(new WorkerRequestError("ingest worker crashed", 503));
    pending.clear();
    dead = true;
    resolveStopped();
  };

  post({ type: "start", config });

  return {
    window,
    resampler,
    replayWindow,
    sources,
    stats,
    progress,
    ready,
    onCandles(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    request<T>(method: string, params?: unknown): Promise<T> {
      if (stopped) return Promise.reject(new WorkerRequestError("fluxbook is shutting down", 503));
      const id = nextId++;
      return new Promise<T>((resolve, reject) => {
        pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
        post({ type: "request", id, method, params });
      });
    },
    stop(): Promise<void> {
      stopped ??= new Promise<void>((resolve) => {
        if (dead) return resolve();
        resolveStopped = resolve;
        post({ type: "stop" });
      }).then(() => {
        worker.terminate();
        for (const waiter of pending.values()) waiter.reject(new WorkerRequestError("fluxbook stopped", 503));
        pending.clear();
      });
      return stopped;
    },
  };
}
