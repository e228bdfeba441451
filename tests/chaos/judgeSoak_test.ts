import assert from "node:assert/strict";
import { judgeSoak, type SoakSample } from "../../core/chaos/judgeSoak.ts";

/** One sample a second for `seconds`, RSS and p99 from the given curves. */
function series(
  seconds: number,
  rssMb: (atS: number) => number,
  p99Ms: (atS: number) => number | null = () => 40,
): SoakSample[] {
  const samples: SoakSample[] = [];
  for (let atS = 1; atS <= seconds; atS++) {
    const p99 = p99Ms(atS);
    samples.push({
      atS,
      rssMb: Math.round(rssMb(atS)),
      lagMs: 1,
      commitP99Ms: 5,
      publishToCommitP50Ms: p99 === null ? null : 20,
      publishToCommitP99Ms: p99,
      healthMs: 1.5,
    });
  }
  return samples;
}

function verdictOf(samples: SoakSample[], name: string): boolean | undefined {
  return judgeSoak(samples).checks.find((c) => c.name === name)?.ok;
}

Deno.test("judgeSoak() tells a warm-up that levels off from memory that keeps growing", async (t) => {
  await t.step("warm-up in the first third, then flat with checkpoint spikes: passes", () => {
    const samples = series(600, (s) => Math.min(200 + s / 2, 290) + (s % 60 < 3 ? 30 : 0));
    assert.equal(verdictOf(samples, "RSS stays flat"), true);
  });
  await t.step("a 25-40 MiB step at every 60-s checkpoint: fails", () => {
    const samples = series(600, (s) => 265 + 12 * Math.floor(s / 60));
    assert.equal(verdictOf(samples, "RSS stays flat"), false);
  });
  await t.step("a slow leak of 8 MiB a minute: fails", () => {
    const samples = series(600, (s) => 300 + (8 * s) / 60);
    assert.equal(verdictOf(samples, "RSS stays flat"), false);
  });
  await t.step("a new, higher peak in the last third only: fails", () => {
    const samples = series(600, (s) => 300 + (s > 450 && s % 60 < 20 ? 80 : 0));
    assert.equal(verdictOf(samples, "RSS stays flat"), false);
  });
});

Deno.test("judgeSoak() judges publish→commit p99 as timed and sums up the first and last minute", async (t) => {
  await t.step("p99 growing from 40 to 200 ms fails, marked timed", () => {
    const verdict = judgeSoak(series(600, () => 300, (s) => (s > 400 ? 200 : 40)));
    const check = verdict.checks.find((c) => c.name === "publish→commit latency stays flat");
    assert.equal(check?.ok, false);
    assert.equal(check?.timed, true);
  });
  await t.step("the minutes carry the median p50 and the worst p99", () => {
    const verdict = judgeSoak(series(600, () => 300, (s) => (s === 30 ? 90 : 40)));
    assert.deepEqual(verdict.first, {
      fromS: 0,
      toS: 60,
      rssMedianMb: 300,
      publishToCommitP50Ms: 20,
      publishToCommitP99Ms: 90,
    });
    assert.equal(verdict.last?.publishToCommitP99Ms, 40);
    assert.equal(verdict.checks.find((c) => c.name === "publish→commit latency stays flat")?.ok, true);
  });
  await t.step("an app that does not export it: noted, not judged", () => {
    const verdict = judgeSoak(series(600, () => 300, () => null));
    assert.equal(verdict.checks.some((c) => c.name.startsWith("publish→commit")), false);
    assert.ok(verdict.notes.some((n) => n.includes("not exported")));
  });
});

Deno.test("judgeSoak() refuses to judge a run too short to tell warm-up from growth", () => {
  const verdict = judgeSoak(series(12, (s) => 200 + 10 * s));
  assert.deepEqual(verdict.checks, []);
  assert.ok(verdict.notes.some((n) => n.startsWith("too short")));
});
