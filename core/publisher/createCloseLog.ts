/**
 * `createCloseLog()`: for one candle stream, which message closed which bars — runs of (last bar index closed,
 * seq of that message). A backfill by time re-encodes closed bars, and each of its frames carries the seq of the
 * message that closed its newest bar: the seq at which those bars were first complete, so a subscriber's dedupe
 * (the newest revision wins by seq) ranks the backfilled bar at or above every revision it was sent with.
 *
 * Bounded: at most `capacity` runs (one per closing message); older runs are forgotten, and with them the right to
 * backfill those bars by time.
 */
export interface CloseLog {
  /** Bars `firstBar..lastBar` were sent closed in the message with `seq`; `firstBar` must follow the last run. */
  record(firstBar: number, lastBar: number, seq: number): void;
  /** Bars closed so far: indices `0..closedBars-1` have been sent closed. */
  readonly closedBars: number;
  /** The oldest bar index still backfillable (whose closing seq is remembered). */
  readonly oldestBar: number;
  /** The seq of the message that closed bar `index`; undefined when it is not closed or forgotten. */
  closingSeq(index: number): number | undefined;
}

export function createCloseLog(capacity: number): CloseLog {
  if (!Number.isSafeInteger(capacity) || capacity < 1) {
    throw new RangeError(`Cannot keep ${capacity} close runs: expected a whole number >= 1`);
  }
  // A ring of runs; lastBars ascend from `head` on.
  let lastBars = new Float64Array(Math.min(capacity, 1024));
  let seqs = new Float64Array(lastBars.length);
  let head = 0;
  let size = 0;
  let oldestBar = 0;
  let closedBars = 0;

  const at = (i: number): number => (head + i) % lastBars.length;

  function grow(): void {
    const length = Math.min(capacity, lastBars.length * 2);
    const nextBars = new Float64Array(length);
    const nextSeqs = new Float64Array(length);
    for (let i = 0; i < size; i++) {
      nextBars[i] = lastBars[at(i)];
      nextSeqs[i] = seqs[at(i)];
    }
    lastBars = nextBars;
    seqs = nextSeqs;
    head = 0;
  }

  return {
    record(firstBar: number, lastBar: number, seq: number): void {
      if (firstBar !== closedBars || lastBar < firstBar) {
        throw new RangeError(
          `Cannot record bars ${firstBar}..${lastBar} as closed: the next bar to close is ${closedBars}`,
        );
      }
      if (size === lastBars.length && size < capacity) grow();
      if (size === capacity) {
        oldestBar = lastBars[head] + 1;
        head = (head + 1) % lastBars.length;
        size--;
      }
      lastBars[at(size)] = lastBar;
      seqs[at(size)] = seq;
      size++;
      closedBars = lastBar + 1;
    },
    get closedBars(): number {
      return closedBars;
    },
    get oldestBar(): number {
      return oldestBar;
    },
    closingSeq(index: number): number | undefined {
      if (index < oldestBar || index >= closedBars) return undefined;
      // The first run whose last bar is at or after index.
      let lo = 0, hi = size - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (lastBars[at(mid)] < index) lo = mid + 1;
        else hi = mid;
      }
      return seqs[at(lo)];
    },
  };
}
