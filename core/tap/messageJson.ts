/** The JSON view of one PUB/SUB message, which must be `[topic, envelope]` (../shared/WIRE.md). */
import { decodeFrame } from "../wire/decode.ts";
import { type FrameJson, frameJson } from "../wire/frameJson.ts";

// Topics are ASCII by contract; a broken one is still shown rather than failing the line.
const text = new TextDecoder();

export function messageJson(parts: readonly Uint8Array[]): FrameJson {
  if (parts.length !== 2) {
    return {
      kind: "rejected",
      reason: "bad_message",
      message: `Cannot read message: it has ${parts.length} part(s) of ${
        parts.map((p) => p.byteLength).join(", ") || "no"
      } bytes, expected 2: [topic, envelope]`,
      topic: parts.length > 0 ? text.decode(parts[0]) : null,
      bytes: parts.reduce((sum, p) => sum + p.byteLength, 0),
    };
  }
  const [topic, frame] = parts;
  return frameJson(decodeFrame(frame), { topic: text.decode(topic), bytes: frame.byteLength });
}
