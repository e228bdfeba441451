/**
 * The CI-sized chaos subset: the scenarios marked `ci` (core/chaos/scenarioList.ts) at `scale: "ci"`, each against
 * the real app and publisher processes and a real DuckDB file. Every check a scenario makes must hold, except the
 * ones that depend on wall-clock speed (recovery time, keeping pace), which `deno task chaos` reports instead.
 */
import assert from "node:assert/strict";
import { runScenario } from "../../core/chaos/runScenario.ts";
import { SCENARIOS } from "../../core/chaos/scenarioList.ts";

const quiet = Deno.env.get("CHAOS_LOG") === undefined;

for (const scenario of SCENARIOS.filter((s) => s.ci)) {
  Deno.test(`chaos #${scenario.id} ${scenario.name}: nothing lost, nothing stored twice, no crash`, async () => {
    const workDir = await Deno.makeTempDir({ prefix: "fluxbook-chaos-test-" });
    const lines: string[] = [];
    try {
      const result = await runScenario(scenario, {
        seed: 1,
        scale: "ci",
        soakMinutes: 1,
        workDir,
        log: (line) => quiet ? lines.push(line) : console.log(line),
      });
      const failed = result.checks.filter((c) => !c.ok && !c.timed);
      assert.deepEqual(
        failed.map((c) => `${c.name}: ${c.detail}`),
        [],
        `scenario #${scenario.id} failed; its log:\n${lines.join("\n")}`,
      );
      assert.equal(result.lost, 0);
      assert.equal(result.duplicated, 0);
      assert.equal(result.wrong, 0);
      assert.ok(result.expectedRows > 0 && result.cacheRows === result.expectedRows, "the cache was compared");
    } finally {
      await Deno.remove(workDir, { recursive: true });
    }
  });
}
