/**
 * Benchmark section "stages": the pure ingest stages on 100-candle batches (99 closed 1m bars and a forming one,
 * 10 symbols in turn, always moving forward in time), each alone and chained as the ingest loop chains them:
 * sequencer → deduper → resampler (5 targets) → one candle-window apply per batch. Plus the per-tick cost of
 * revising the forming bar, the update a live stream sends most.
 */
import { createCandleWindow } from "../core/ingest/candleWindow.ts";
import { createDeduper } from "../core/ingest/dedupe.ts";
import { createResampler } from "../core/ingest/resampler.ts";
import { createSequencer } from "../core/ingest/sequencer.ts";
import type { Candle } from "../core/wire/types.ts";
import type { Figure } from "./figure.ts";

const GROUP = "stages";
const CANDLES_PER_BATCH = 100;
const SYMBOLS = Array.from({ length: 10 }, (_, i) => `SYM${i}`);
/** Batches in the pre-built pool; when a run has used them all it starts again on fresh stage instances. */
const POOL_BATCHES = 2_000;
/** Newest bars the window keeps per key, as the app would configure it. */
const WINDOW_CAPACITY = 2_048;
/** Wall time per measured figure, after a warm-up of a quarter of it. */
const MEASURE_MS = 1_200;
const SOURCE = "bench";
const EPOCH = 1_700_000_000_000n;
const START_MS = Date.parse("2024-03-04T00:00:00Z");

interface Batch {
  symbol: string;
  topic: string;
  key: string;
  seq: number;
  candles: Candle[];
}

export async function run(): Promise<Figure[]> {
  const pool = makePool();
  let sink = 0;

  const sequencerRate = await perSecond(() => {
    const sequencer = createSequencer();
    return (batch) => {
      sink += sequencer.observe({ source: SOURCE, topic: batch.topic, epoch: EPOCH, seq: batch.seq }).kind.length;
    };
  }, pool);

  const dedupeRate = await perSecond(() => {
    const deduper = createDeduper();
    return (batch) => {
      const last = batch.candles.length - 1;
      for (let i = 0; i <= last; i++) {
        sink += deduper.offer(batch.key, batch.candles[i], { epochRank: 0, seq: batch.seq, partial: i === last })
          .length;
      }
    };
  }, pool);

  const resamplerRate = await perSecond(() => {
    const resampler = createResampler({ base: "1m" });
    return (batch) => {
      for (const candle of batch.candles) sink += resampler.update(batch.symbol, candle).length;
    };
  }, pool);

  const windowRate = await perSecond(() => {
    const window = createCandleWindow({ capacity: WINDOW_CAPACITY });
    return (batch) => {
      window.apply(batch.candles.map((candle) => ({ key: batch.key, candle })));
      sink += window.version.peek();
    };
  }, pool);

  // Keys built once: a fresh template string per update would cost a string hash per Map look-up in the window.
  const keys = new Map<string, Map<string, string>>();
  const keyOf = (symbol: string, interval: string): string => {
    let bySymbol = keys.get(symbol);
    if (!bySymbol) keys.set(symbol, bySymbol = new Map());
    let key = bySymbol.get(interval);
    if (key === undefined) bySymbol.set(interval, key = `${symbol}|${interval}`);
    return key;
  };
  const pipelineRate = await perSecond(() => {
    const sequencer = createSequencer();
    const deduper = createDeduper();
    const resampler = createResampler({ base: "1m" });
    const window = createCandleWindow({ capacity: WINDOW_CAPACITY });
    return (batch) => {
      const decision = sequencer.observe({ source: SOURCE, topic: batch.topic, epoch: EPOCH, seq: batch.seq });
      if (decision.kind !== "accept" && decision.kind !== "gap") throw new Error(`bench frame was ${decision.kind}`);
      const epochRank = sequencer.epochRank(SOURCE, EPOCH);
      const updates: { key: string; candle: Candle }[] = [];
      const last = batch.candles.length - 1;
      for (let i = 0; i <= last; i++) {
        const candle = batch.candles[i];
        const outcome = deduper.offer(batch.key, candle, { epochRank, seq: batch.seq, partial: i === last });
        if (outcome !== "new" && outcome !== "revision") continue;
        updates.push({ key: batch.key, candle });
        for (const bar of resampler.update(batch.symbol, candle)) {
          updates.push({ key: keyOf(batch.symbol, bar.interval), candle: bar.candle });
        }
      }
      window.apply(updates);
      sink += updates.length;
    };
  }, pool);

  // The forming bar revised over and over: what a live stream mostly sends between bar closes.
  const revisions = makeRevisions();
  // A day of history before the forming bar, as after a start-up load.
  const history = pool.filter((b) => b.symbol === SYMBOLS[0]).flatMap((b) => b.candles).slice(-1_440, -1);
  const resamplerRevisionRate = await perSecond(() => {
    const resampler = createResampler({ base: "1m" });
    resampler.seed(SYMBOLS[0], history);
    return (candle) => {
      sink += resampler.update(SYMBOLS[0], candle).length;
    };
  }, revisions);
  const windowRevisionRate = await perSecond(() => {
    const window = createCandleWindow({ capacity: WINDOW_CAPACITY });
    window.seed(`${SYMBOLS[0]}|1m`, history);
    return (candle) => {
      window.apply([{ key: `${SYMBOLS[0]}|1m`, candle }]);
      sink += window.version.peek();
    };
  }, revisions);
  if (sink === 0) throw new Error("benchmark results were never used");

  const candlesPerSecond = (batches: number): number => Math.round(batches * CANDLES_PER_BATCH);
  return [
    { group: GROUP, name: "sequencer.observe, one per batch", value: Math.round(sequencerRate), unit: "frames/s" },
    { group: GROUP, name: "deduper.offer, 100-candle batch", value: candlesPerSecond(dedupeRate), unit: "candles/s" },
    {
      group: GROUP,
      name: "resampler.update 1m → 5 targets, 100-candle batch",
      value: candlesPerSecond(resamplerRate),
      unit: "candles/s",
    },
    {
      group: GROUP,
      name: "candleWindow.apply, 100-candle batch",
      value: candlesPerSecond(windowRate),
      unit: "candles/s",
      note: `capacity ${WINDOW_CAPACITY}: each apply copies the key's array once (arrays are replaced, not mutated)`,
    },
    {
      group: GROUP,
      name: "all four chained, 100-candle batch",
      value: candlesPerSecond(pipelineRate),
      unit: "candles/s",
      note: "sequencer → deduper → resampler → one window apply of the 1m bars and the 5 resampled series",
    },
    {
      group: GROUP,
      name: "resampler.update, forming-bar revision",
      value: Math.round(resamplerRevisionRate),
      unit: "updates/s",
    },
    {
      group: GROUP,
      name: "candleWindow.apply, forming-bar revision",
      value: Math.round(windowRevisionRate),
      unit: "updates/s",
      note: `copies a ${WINDOW_CAPACITY}-bar array per apply`,
    },
  ];
}

/**
 * Calls the step made by `fresh()` on each item of `items` in turn until MEASURE_MS have passed (after a warm-up)
 * and returns items per second. Stage state is rebuilt (outside the clock) each time the items run out, so every
 * item is processed as the first time its data is seen.
 */
async function perSecond<T>(fresh: () => (item: T) => void, items: readonly T[]): Promise<number> {
  for (const budgetMs of [MEASURE_MS / 4, MEASURE_MS]) {
    let done = 0;
    let elapsed = 0;
    while (elapsed < budgetMs) {
      const step = fresh();
      const start = performance.now();
      for (const item of items) step(item);
      elapsed += performance.now() - start;
      done += items.length;
    }
    if (budgetMs === MEASURE_MS) return (done * 1_000) / elapsed;
    // Yield between warm-up and measurement so pending GC and timers do not land inside it.
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  throw new Error("unreachable");
}

/** Batch j is symbol j mod 10's (j div 10)-th batch: bars 100·(j div 10) … +99 of that symbol. */
function makePool(): Batch[] {
  return Array.from({ length: POOL_BATCHES }, (_, j) => {
    const symbol = SYMBOLS[j % SYMBOLS.length];
    const round = Math.floor(j / SYMBOLS.length);
    const candles = Array.from(
      { length: CANDLES_PER_BATCH },
      (_, i) => bar(START_MS + (round * CANDLES_PER_BATCH + i) * 60_000, j * 31 + i),
    );
    return { symbol, topic: `candle.${symbol}.1m`, key: `${symbol}|1m`, seq: round + 1, candles };
  });
}

/** 50 000 revisions of the newest bar of the pool's first symbol. */
function makeRevisions(): Candle[] {
  const rounds = POOL_BATCHES / SYMBOLS.length;
  const openTimeMs = START_MS + (rounds * CANDLES_PER_BATCH - 1) * 60_000;
  return Array.from({ length: 50_000 }, (_, i) => bar(openTimeMs, i));
}

function bar(openTimeMs: number, n: number): Candle {
  const open = 190 + Math.sin(n / 9) * 4;
  const close = open + Math.cos(n / 4) * 0.9;
  return {
    openTimeMs,
    open,
    high: Math.max(open, close) + 0.17,
    low: Math.min(open, close) - 0.13,
    close,
    volume: 500 + ((n * 7_919) % 9_000),
  };
}
