/**
 * `startPlayback()`: offline playback. Reads a range of one stream from the cache and sends it, bar by bar at a
 * chosen speed, through the same pipeline as live frames (encode → decode → sequence → dedupe), with origin
 * `replay`. Its bars go to the caller's `onCandles` only — never to the store — so a replay cannot touch the live
 * tables, and it needs no publisher.
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import { encodeCandleBatch } from "../wire/encode.ts";
import type { Candle } from "../wire/types.ts";
import { createDeduper } from "./dedupe.ts";
import { parseInterval } from "./interval.ts";
import { createPipeline } from "./pipeline.ts";
import { type CandleUpdate, emptyStats, type Progress } from "./protocol.ts";
import { createSequencer } from "./sequencer.ts";

export interface PlaybackRequest {
  symbol: string;
  interval: string;
  /** Open-time range, ms since the Unix epoch, inclusive. */
  fromMs: number;
  toMs: number;
  /** N × real time: at 60, a 1-minute bar per second. */
  speed: number;
}

export interface PlaybackHooks {
  onCandles(updates: CandleUpdate[]): void;
  onProgress(progress: Progress): void;
}

export interface Playback {
  readonly id: string;
  /** Bars in the range. */
  readonly bars: number;
  /** Resolves when every bar was played or the playback was stopped. */
  readonly done: Promise<void>;
  stop(): void;
}

/** The most bars one playback loads; a longer range is refused with a message that says what to do. */
export const MAX_PLAYBACK_BARS = 500_000;

/** Bars are sent at most this often; faster speeds send several bars per tick. */
const TICK_MS = 20;

let nextPlayback = 1;

/** Throws a RangeError for a bad request (the caller turns it into a 400). */
export async function startPlayback(
  reader: DuckDBConnection,
  request: PlaybackRequest,
  hooks: PlaybackHooks,
): Promise<Playback> {
  const intervalMs = parseInterval(request.interval);
  if (!(request.speed > 0) || !Number.isFinite(request.speed)) {
    throw new RangeError(`Cannot play back: speed must be a number > 0, got ${request.speed}`);
  }
  if (!(Number.isFinite(request.fromMs) && Number.isFinite(request.toMs) && request.fromMs <= request.toMs)) {
    throw new RangeError(`Cannot play back: expected from <= to, got ${request.fromMs} and ${request.toMs}`);
  }
  const candles = await loadRange(reader, request);
  const id = `replay-${nextPlayback++}`;
  const label = `replay ${request.symbol} ${request.interval}`;
  const sequencer = createSequencer();
  const deduper = createDeduper();
  const pipeline = createPipeline({ sequencer, deduper, stats: emptyStats(), isWanted: () => true });
  const header = { source: "replay", epoch: BigInt(Date.now()), symbol: request.symbol };
  const barsPerTick = Math.max(1, Math.round((TICK_MS * request.speed) / intervalMs));
  const tickMs = Math.max(TICK_MS, intervalMs / request.speed);

  let played = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let finish: () => void = () => {};
  const done = new Promise<void>((resolve) => (finish = resolve));

  function tick(): void {
    timer = null;
    const end = Math.min(candles.length, played + barsPerTick);
    for (; played < end; played++) {
      const frame = encodeCandleBatch(
        { ...header, seq: played + 1, sourceTsNs: BigInt(Date.now()) * 1_000_000n },
        { interval: request.interval, candles: [candles[played]], lastIsPartial: false },
      );
      pipeline.process({
        topic: `candle.${request.symbol}.${request.interval}`,
        frame,
        recvTimeMs: Date.now(),
        origin: "replay",
        sequenced: true,
      });
    }
    // Rows are dropped on purpose: a replay never reaches the store.
    pipeline.take();
    pipeline.takeFindings();
    const updates = pipeline.takeUpdates();
    if (updates.length > 0) hooks.onCandles(updates);
    hooks.onProgress({ id, label, done: played, total: candles.length, unit: "bars" });
    if (played < candles.length) timer = setTimeout(tick, tickMs);
    else finish();
  }
  timer = setTimeout(tick, 0);

  return {
    id,
    bars: candles.length,
    done,
    stop() {
      if (timer !== null) clearTimeout(timer);
      timer = null;
      finish();
    },
  };
}

async function loadRange(reader: DuckDBConnection, request: PlaybackRequest): Promise<Candle[]> {
  const rows = (await reader.runAndReadAll(
    `SELECT epoch_ms(open_time), open, high, low, close, volume FROM candles_latest
     WHERE symbol = $1 AND interval = $2 AND open_time BETWEEN epoch_ms($3::BIGINT) AND epoch_ms($4::BIGINT)
     ORDER BY open_time LIMIT $5`,
    [request.symbol, request.interval, request.fromMs, request.toMs, MAX_PLAYBACK_BARS + 1],
  )).getRows();
  if (rows.length > MAX_PLAYBACK_BARS) {
    throw new RangeError(
      `Cannot play back more than ${MAX_PLAYBACK_BARS} bars at once; choose a shorter range or a longer interval`,
    );
  }
  return rows.map(([openTimeMs, open, high, low, close, volume]) => ({
    openTimeMs: Number(openTimeMs as bigint),
    open: open as number,
    high: high as number,
    low: low as number,
    close: close as number,
    volume: volume as number,
  }));
}
