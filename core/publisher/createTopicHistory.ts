/**
 * `createTopicHistory()`: the last `limit` frames of one topic, kept as the exact bytes that were (or, for a
 * dropped message, would have been) sent, so that a backfill by seq returns them byte for byte. Seqs of a topic are
 * contiguous from 1 within an epoch, so a frame's slot is its seq modulo the capacity.
 */
export interface TopicHistory {
  /** Oldest seq still held; 0 when empty. */
  readonly firstSeq: number;
  /** Newest seq held; 0 when empty. */
  readonly lastSeq: number;
  /** Records the frame of `seq`, which must be `lastSeq + 1`. */
  push(seq: number, frame: Uint8Array): void;
  /** The frame of `seq`, or undefined when it is outside `firstSeq..lastSeq`. */
  get(seq: number): Uint8Array | undefined;
}

export function createTopicHistory(limit: number): TopicHistory {
  if (!Number.isSafeInteger(limit) || limit < 1) {
    throw new RangeError(`Cannot keep a history of ${limit} messages: expected a whole number >= 1`);
  }
  const frames: Uint8Array[] = [];
  let lastSeq = 0;

  return {
    get firstSeq(): number {
      return lastSeq === 0 ? 0 : Math.max(1, lastSeq - limit + 1);
    },
    get lastSeq(): number {
      return lastSeq;
    },
    push(seq: number, frame: Uint8Array): void {
      if (seq !== lastSeq + 1) {
        throw new RangeError(`Cannot record seq ${seq} in the history: the next seq is ${lastSeq + 1}`);
      }
      frames[(seq - 1) % limit] = frame;
      lastSeq = seq;
    },
    get(seq: number): Uint8Array | undefined {
      if (lastSeq === 0 || seq > lastSeq || seq < Math.max(1, lastSeq - limit + 1)) return undefined;
      return frames[(seq - 1) % limit];
    },
  };
}
