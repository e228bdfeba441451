/** The chaos suite's shapes: a scenario, what it is given, and the row it produces. */
import type { ScenarioRun } from "./createScenarioRun.ts";

/** "ci" scales every scenario down to a few seconds (tests/chaos); "full" is `deno task chaos`. */
export type ChaosScale = "ci" | "full";

export interface ScenarioContext {
  /** Seeds every random choice of the scenario (data, faults, kill times): the same seed, the same scenario. */
  seed: number;
  scale: ChaosScale;
  /** A fresh directory for this scenario's cache, records and logs. */
  dir: string;
  /** Length of scenario 16. */
  soakMinutes: number;
  /** Progress lines (the CLI prints them; tests keep them quiet). */
  log(line: string): void;
}

/** One criterion of a scenario's pass/fail. */
export interface Check {
  name: string;
  ok: boolean;
  detail: string;
  /** Depends on wall-clock speed (recovery time, ingest rate): reported, never asserted by tests. */
  timed: boolean;
}

export interface ScenarioResult {
  id: number;
  name: string;
  /** Data messages the publishers gave a seq (sent or dropped). */
  published: number;
  /** Distinct bars the cache must hold. */
  expectedRows: number;
  /** Distinct bars it holds (`candles_latest`). */
  cacheRows: number;
  lost: number;
  /** Messages stored twice (`candles` rows repeating a bar's lineage) plus bars listed twice, worst snapshot. */
  duplicated: number;
  /** Bars with values other than the newest published revision, or never published. */
  wrong: number;
  rejected: Record<string, number>;
  gapsOpened: number;
  gapsFilled: number;
  gapsUnfillable: number;
  /** Longest time from a fault's end to the cache being caught up again; null when the scenario has no such fault. */
  recoverMs: number | null;
  /** Largest VmHWM of any app process of the scenario, MiB. */
  peakRssMb: number | null;
  checks: Check[];
  notes: string[];
  /** Scenario-specific figures (RSS samples of the soak, queue depth, …). */
  figures: Record<string, unknown>;
  pass: boolean;
  durationMs: number;
}

export interface Scenario {
  id: number;
  name: string;
  /** Part of the CI subset (tests/chaos). */
  ci: boolean;
  /**
   * Starts the processes, injects the fault and waits for the app to catch up, telling `run` what was published
   * (`run.addSession`), what it measured and checked. The runner then stops what is left, reads the cache and
   * compares (`run.finish()`), also when `play` throws.
   */
  play(run: ScenarioRun): Promise<void>;
}
