/**
 * `runChaos()`: runs scenarios one after another (never two at once: each one's figures would disturb the
 * other's), each in its own directory under `workDir`, and returns their rows.
 */
import { runScenario } from "./runScenario.ts";
import { SCENARIOS } from "./scenarioList.ts";
import type { ChaosScale, Scenario, ScenarioResult } from "./types.ts";

export interface RunChaosOptions {
  /** Ids to run; empty = all. */
  only?: readonly number[];
  seed: number;
  scale: ChaosScale;
  soakMinutes: number;
  workDir: string;
  log(line: string): void;
  /** After each scenario, e.g. to print its row at once. */
  onResult?(result: ScenarioResult): void;
}

export async function runChaos(options: RunChaosOptions): Promise<ScenarioResult[]> {
  const chosen: Scenario[] = options.only && options.only.length > 0
    ? SCENARIOS.filter((s) => options.only!.includes(s.id))
    : [...SCENARIOS];
  const results: ScenarioResult[] = [];
  for (const scenario of chosen) {
    const result = await runScenario(scenario, options);
    results.push(result);
    options.onResult?.(result);
  }
  return results;
}
