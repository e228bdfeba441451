import assert from "node:assert/strict";
import { startTaskV8Flags } from "../../core/chaos/startTaskV8Flags.ts";

Deno.test("startTaskV8Flags() runs the chaos app with the V8 flags of `deno task start`", async (t) => {
  const cases: [string, unknown, string[]][] = [
    ["none", { tasks: { start: "deno run -A main.ts" } }, []],
    [
      "one",
      { tasks: { start: "deno run -A --v8-flags=--max-semi-space-size=4 main.ts" } },
      ["--v8-flags=--max-semi-space-size=4"],
    ],
    ["a task object", { tasks: { start: { command: "deno run --v8-flags=--a,--b main.ts" } } }, ["--v8-flags=--a,--b"]],
    ["no start task", { tasks: {} }, []],
  ];
  for (const [name, config, flags] of cases) {
    await t.step(name, () => assert.deepEqual(startTaskV8Flags(JSON.stringify(config)), flags));
  }
});
