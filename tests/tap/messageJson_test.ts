import assert from "node:assert/strict";
import { messageJson } from "../../core/tap/messageJson.ts";
import { encodeEnvelope } from "../../core/wire/mod.ts";
import { sampleEnvelope } from "../wire/sampleEnvelope.ts";

const text = new TextEncoder();
const frame = encodeEnvelope(sampleEnvelope("heartbeat"));

Deno.test("messageJson() decodes a [topic, envelope] message under its wire topic", () => {
  const json = messageJson([text.encode("hb.custom"), frame]);
  assert.equal(json.kind, "heartbeat");
  assert.equal(json.topic, "hb.custom");
  assert.equal(json.bytes, frame.length);
});

Deno.test("messageJson() prints messages that are not [topic, envelope] as bad_message", async (t) => {
  const cases: [string, Uint8Array[], { topic: string | null; bytes: number; parts: RegExp }][] = [
    ["no parts", [], { topic: null, bytes: 0, parts: /has 0 part\(s\) of no bytes/ }],
    ["the envelope alone", [frame], { topic: new TextDecoder().decode(frame), bytes: frame.length, parts: /1 part/ }],
    ["a third part", [text.encode("hb"), frame, text.encode("x")], {
      topic: "hb",
      bytes: 2 + frame.length + 1,
      parts: new RegExp(`3 part\\(s\\) of 2, ${frame.length}, 1 bytes`),
    }],
  ];
  for (const [name, parts, expected] of cases) {
    await t.step(name, () => {
      const json = messageJson(parts);
      assert.equal(json.kind, "rejected");
      assert.equal(json.reason, "bad_message");
      assert.equal(json.topic, expected.topic);
      assert.equal(json.bytes, expected.bytes);
      assert.match(json.message, expected.parts);
      assert.match(json.message, /expected 2: \[topic, envelope\]/);
    });
  }
});
