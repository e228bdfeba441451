/**
 * The record of what a publisher child put on the wire: every SendEvent of its data topics (heartbeats left out),
 * in wire order, in a small binary file the child appends to and the scenario runner reads after the child exits.
 * A child stopped with SIGTERM flushes it; one killed with SIGKILL may lose its last ~50 ms, so scenarios never
 * SIGKILL a publisher whose record they compare against.
 *
 * Record layout (little-endian): u8 fate, u8 reordered, u8 garbage kind (255 = none), u8 0, u32 seq,
 * u32 topic length, u32 frame length, then the topic (UTF-8) and the frame bytes.
 */
import { GARBAGE_KINDS, type GarbageKind } from "../publisher/createFaultInjector.ts";
import type { SendEvent } from "../publisher/types.ts";

const FATES: readonly SendEvent["fate"][] = ["sent", "duplicate", "dropped", "garbage"];
const HEADER_BYTES = 16;
const NO_GARBAGE = 255;

export interface RecordWriter {
  add(event: SendEvent): void;
  /** Writes what is buffered. */
  flush(): void;
  close(): void;
}

/** Creates (truncating) the record file; events are buffered and written on `flush()`. */
export function openRecordWriter(path: string): RecordWriter {
  const file = Deno.openSync(path, { write: true, create: true, truncate: true });
  const encoder = new TextEncoder();
  let chunks: Uint8Array[] = [];
  let closed = false;
  function flush(): void {
    if (chunks.length === 0 || closed) return;
    let total = 0;
    for (const chunk of chunks) total += chunk.byteLength;
    const bytes = new Uint8Array(total);
    let offset = 0;
    for (const chunk of chunks) {
      bytes.set(chunk, offset);
      offset += chunk.byteLength;
    }
    chunks = [];
    let written = 0;
    while (written < bytes.byteLength) written += file.writeSync(bytes.subarray(written));
  }
  return {
    add(event: SendEvent): void {
      const topic = encoder.encode(event.topic);
      const bytes = new Uint8Array(HEADER_BYTES + topic.byteLength + event.frame.byteLength);
      const view = new DataView(bytes.buffer);
      view.setUint8(0, FATES.indexOf(event.fate));
      view.setUint8(1, event.reordered ? 1 : 0);
      view.setUint8(2, event.garbage === null ? NO_GARBAGE : GARBAGE_KINDS.indexOf(event.garbage));
      view.setUint32(4, event.seq, true);
      view.setUint32(8, topic.byteLength, true);
      view.setUint32(12, event.frame.byteLength, true);
      bytes.set(topic, HEADER_BYTES);
      bytes.set(event.frame, HEADER_BYTES + topic.byteLength);
      chunks.push(bytes);
    },
    flush,
    close(): void {
      flush();
      closed = true;
      file.close();
    },
  };
}

/** Reads a whole record file; a torn last record (a killed writer) is ignored. */
export async function readRecord(path: string): Promise<SendEvent[]> {
  const bytes = await Deno.readFile(path);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const decoder = new TextDecoder();
  const events: SendEvent[] = [];
  let offset = 0;
  while (offset + HEADER_BYTES <= bytes.byteLength) {
    const topicLength = view.getUint32(offset + 8, true);
    const frameLength = view.getUint32(offset + 12, true);
    const end = offset + HEADER_BYTES + topicLength + frameLength;
    if (end > bytes.byteLength) break;
    const fate = FATES[view.getUint8(offset)];
    const garbageIndex = view.getUint8(offset + 2);
    if (fate === undefined) {
      throw new RangeError(`Cannot read publisher record ${path}: fate ${view.getUint8(offset)} at byte ${offset}`);
    }
    const topicStart = offset + HEADER_BYTES;
    events.push({
      fate,
      reordered: view.getUint8(offset + 1) === 1,
      garbage: garbageIndex === NO_GARBAGE ? null : (GARBAGE_KINDS[garbageIndex] as GarbageKind),
      seq: view.getUint32(offset + 4, true),
      topic: decoder.decode(bytes.subarray(topicStart, topicStart + topicLength)),
      frame: bytes.slice(topicStart + topicLength, end),
    });
    offset = end;
  }
  return events;
}
