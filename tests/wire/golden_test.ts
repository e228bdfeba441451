/**
 * Decodes the committed golden frames (tests/fixtures/wire/*.bin, written once by makeGolden.ts) and compares
 * with expected.json. The frames are old data: this test never writes them, so a change to the schema or the
 * decoder that would misread frames already out there fails here.
 */
import assert from "node:assert/strict";
import { decodeFrame } from "../../core/wire/mod.ts";
import { fromGoldenJson } from "../fixtures/wire/goldenJson.ts";
import type { GoldenExpectation } from "../fixtures/wire/makeGolden.ts";

const DIR = new URL("../fixtures/wire/", import.meta.url);

const expected = fromGoldenJson(await Deno.readTextFile(new URL("expected.json", DIR))) as Record<
  string,
  GoldenExpectation
>;

Deno.test("decodeFrame() reads every golden frame as it did when the frame was written", async (t) => {
  assert.ok(Object.keys(expected).length >= 12, "expected.json lists too few frames; was it truncated?");
  for (const [file, expectation] of Object.entries(expected)) {
    await t.step(file, async () => {
      const result = decodeFrame(await Deno.readFile(new URL(file, DIR)));
      switch (expectation.kind) {
        case "envelope":
          assert.deepEqual(result, expectation);
          break;
        case "rejected":
          assert.equal(result.kind, "rejected", `${file} was accepted, expected ${expectation.reason}`);
          assert.equal(result.reason, expectation.reason, result.message);
          assert.ok(
            result.message.includes(expectation.messageIncludes),
            `message of ${file} lacks ${JSON.stringify(expectation.messageIncludes)}: ${result.message}`,
          );
          break;
      }
    });
  }
});

Deno.test("every golden frame in tests/fixtures/wire has an expectation", async () => {
  const frames: string[] = [];
  for await (const entry of Deno.readDir(DIR)) if (entry.name.endsWith(".bin")) frames.push(entry.name);
  assert.deepEqual(frames.sort(), Object.keys(expected).sort());
});
