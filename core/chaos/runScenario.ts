/** `runScenario()`: one scenario in a fresh directory, always ending in a row (a scenario that throws fails). */
import { createScenarioRun } from "./createScenarioRun.ts";
import type { Scenario, ScenarioContext, ScenarioResult } from "./types.ts";

export async function runScenario(
  scenario: Scenario,
  options: Omit<ScenarioContext, "dir"> & { workDir: string },
): Promise<ScenarioResult> {
  const dir = `${options.workDir}/${String(scenario.id).padStart(2, "0")}-${
    scenario.name.replace(/[^a-z0-9]+/gi, "-")
  }`;
  await Deno.remove(dir, { recursive: true }).catch(() => {});
  await Deno.mkdir(dir, { recursive: true });
  const { workDir: _workDir, ...context } = options;
  const run = createScenarioRun({ ...context, dir }, scenario);
  options.log(`#${scenario.id} ${scenario.name}`);
  let failure: unknown = undefined;
  try {
    await scenario.play(run);
  } catch (error) {
    failure = error;
  }
  return await run.finish(failure);
}
