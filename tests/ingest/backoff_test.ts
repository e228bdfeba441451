import assert from "node:assert/strict";
import { backoffDelayMs, validateBackoff } from "../../core/ingest/backoff.ts";

Deno.test("backoffDelayMs() doubles from initialMs up to maxMs, spread by the jitter", async (t) => {
  const backoff = { initialMs: 100, maxMs: 1_000, jitter: 0.2 };
  const cases: { attempt: number; random: number; expected: number }[] = [
    { attempt: 0, random: 0.5, expected: 100 },
    { attempt: 1, random: 0.5, expected: 200 },
    { attempt: 3, random: 0.5, expected: 800 },
    { attempt: 4, random: 0.5, expected: 1_000 },
    { attempt: 50, random: 0.5, expected: 1_000 },
    // random() in [0, 1) scales by [1 - jitter, 1 + jitter), and the cap still holds.
    { attempt: 0, random: 0, expected: 80 },
    { attempt: 0, random: 0.999, expected: 120 },
    { attempt: 3, random: 0.999, expected: 960 },
    { attempt: 4, random: 0.999, expected: 1_000 },
    { attempt: 4, random: 0, expected: 800 },
  ];
  for (const c of cases) {
    await t.step(`attempt ${c.attempt}, random ${c.random} → ${c.expected} ms`, () => {
      assert.equal(backoffDelayMs(c.attempt, backoff, () => c.random), c.expected);
    });
  }
});

Deno.test("validateBackoff() names the bad value", () => {
  assert.throws(() => validateBackoff({ initialMs: -1, maxMs: 10, jitter: 0 }), /initialMs is -1/);
  assert.throws(() => validateBackoff({ initialMs: 100, maxMs: 10, jitter: 0 }), /maxMs is 10/);
  assert.throws(() => validateBackoff({ initialMs: 1, maxMs: 10, jitter: 1.5 }), /jitter is 1.5/);
  assert.deepEqual(validateBackoff({ initialMs: 0, maxMs: 0, jitter: 0 }), { initialMs: 0, maxMs: 0, jitter: 0 });
});
