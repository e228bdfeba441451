/**
 * `CandleColumns`: candle rows column by column, in typed arrays, with each row's lineage strings held once per
 * stream. The pipeline appends accepted bars here and the store's appender copies whole columns from it, so
 * a batch of a hundred thousand bars is a dozen arrays, not a hundred thousand objects for the GC to trace.
 *
 * `CandleRow` objects stay the API for callers that write a few rows (tests, tools): `fromRows()` and `row()`
 * convert both ways.
 */
import type { Candle } from "../wire/types.ts";
import type { CandleRow, RowOrigin } from "./storeBatch.ts";

/** The lineage shared by a run of rows: one publisher stream in one epoch, from one origin. */
export interface CandleStream {
  symbol: string;
  interval: string;
  source: string;
  epoch: bigint;
  origin: RowOrigin;
}

const INITIAL_CAPACITY = 1024;

export class CandleColumns {
  length = 0;
  /** Distinct lineages of the rows, in order of first use; `stream[i]` indexes it. */
  readonly streams: CandleStream[] = [];
  stream: Uint32Array;
  openTimeMs: Float64Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
  seq: Float64Array;
  recvTimeMs: Float64Array;
  /** 1 when the row was the forming bar. */
  partial: Uint8Array;
  private readonly streamIds = new Map<string, number>();
  private lastStream: CandleStream | null = null;
  private lastStreamId = -1;

  constructor(capacity = INITIAL_CAPACITY) {
    this.stream = new Uint32Array(capacity);
    this.openTimeMs = new Float64Array(capacity);
    this.open = new Float64Array(capacity);
    this.high = new Float64Array(capacity);
    this.low = new Float64Array(capacity);
    this.close = new Float64Array(capacity);
    this.volume = new Float64Array(capacity);
    this.seq = new Float64Array(capacity);
    this.recvTimeMs = new Float64Array(capacity);
    this.partial = new Uint8Array(capacity);
  }

  /** The id of a lineage (registered on first use). Rows come in runs of one stream, so this is mostly one compare. */
  streamId(symbol: string, interval: string, source: string, epoch: bigint, origin: RowOrigin): number {
    const last = this.lastStream;
    if (
      last !== null && last.symbol === symbol && last.interval === interval && last.source === source &&
      last.epoch === epoch && last.origin === origin
    ) return this.lastStreamId;
    const key = `${symbol}\u0000${interval}\u0000${source}\u0000${epoch}\u0000${origin}`;
    let id = this.streamIds.get(key);
    if (id === undefined) {
      id = this.streams.length;
      this.streams.push({ symbol, interval, source, epoch, origin });
      this.streamIds.set(key, id);
    }
    this.lastStream = this.streams[id];
    this.lastStreamId = id;
    return id;
  }

  push(stream: number, bar: Candle, seq: number, recvTimeMs: number, partial: boolean): void {
    const i = this.length;
    if (i === this.stream.length) this.grow();
    this.stream[i] = stream;
    this.openTimeMs[i] = bar.openTimeMs;
    this.open[i] = bar.open;
    this.high[i] = bar.high;
    this.low[i] = bar.low;
    this.close[i] = bar.close;
    this.volume[i] = bar.volume;
    this.seq[i] = seq;
    this.recvTimeMs[i] = recvTimeMs;
    this.partial[i] = partial ? 1 : 0;
    this.length = i + 1;
  }

  /** Empties the columns for reuse, keeping their capacity (a committed batch's arrays serve the next batch). */
  clear(): void {
    this.length = 0;
    this.streams.length = 0;
    this.streamIds.clear();
    this.lastStream = null;
    this.lastStreamId = -1;
  }

  /** Row `i` as an object (tests, tools; not the hot path). */
  row(i: number): CandleRow {
    if (!(i >= 0 && i < this.length)) throw new RangeError(`Cannot read candle row ${i} of ${this.length}`);
    const s = this.streams[this.stream[i]];
    return {
      symbol: s.symbol,
      interval: s.interval,
      openTimeMs: this.openTimeMs[i],
      open: this.open[i],
      high: this.high[i],
      low: this.low[i],
      close: this.close[i],
      volume: this.volume[i],
      partial: this.partial[i] === 1,
      source: s.source,
      epoch: s.epoch,
      seq: this.seq[i],
      recvTimeMs: this.recvTimeMs[i],
      origin: s.origin,
    };
  }

  rows(): CandleRow[] {
    return Array.from({ length: this.length }, (_, i) => this.row(i));
  }

  static fromRows(rows: readonly CandleRow[]): CandleColumns {
    const columns = new CandleColumns(Math.max(1, rows.length));
    for (const r of rows) {
      columns.push(
        columns.streamId(r.symbol, r.interval, r.source, r.epoch, r.origin),
        r,
        r.seq,
        r.recvTimeMs,
        r.partial,
      );
    }
    return columns;
  }

  private grow(): void {
    const capacity = this.stream.length * 2;
    const grown = <T extends Float64Array | Uint32Array | Uint8Array>(old: T, make: (n: number) => T): T => {
      const next = make(capacity);
      next.set(old);
      return next;
    };
    const f64 = (n: number) => new Float64Array(n);
    this.stream = grown(this.stream, (n) => new Uint32Array(n));
    this.openTimeMs = grown(this.openTimeMs, f64);
    this.open = grown(this.open, f64);
    this.high = grown(this.high, f64);
    this.low = grown(this.low, f64);
    this.close = grown(this.close, f64);
    this.volume = grown(this.volume, f64);
    this.seq = grown(this.seq, f64);
    this.recvTimeMs = grown(this.recvTimeMs, f64);
    this.partial = grown(this.partial, (n) => new Uint8Array(n));
  }
}

/** A batch's candles as columns, whichever way the caller built them. */
export function toCandleColumns(candles: readonly CandleRow[] | CandleColumns | undefined): CandleColumns {
  if (candles instanceof CandleColumns) return candles;
  return CandleColumns.fromRows(candles ?? []);
}
