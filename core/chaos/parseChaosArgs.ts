/** `parseChaosArgs()`: the command line of `deno task chaos`, as a value (never an exception). */
import { flagValue, numberFlag, parseFlags, UsageError } from "../flags.ts";
import type { ChaosScale } from "./types.ts";

export interface ChaosConfig {
  /** Scenario ids to run, in table order; empty = all. */
  only: number[];
  seed: number;
  scale: ChaosScale;
  soakMinutes: number;
  /** Where the results go as JSON. */
  jsonPath: string;
  /** Keep the scenarios' directories (caches, records, logs) even when everything passed. */
  keep: boolean;
  markdown: boolean;
}

export type ChaosCommand =
  | { kind: "help" }
  | { kind: "usage_error"; message: string }
  | { kind: "run"; config: ChaosConfig };

export const CHAOS_USAGE = `Usage: deno task chaos [options]

Runs the fault-injection scenarios against the real app (main.ts) and a real publisher, each as its own process,
compares every final cache with what was published and prints one row per scenario.

  --only 1,2,7          run only these scenarios (default: all 16)
  --seed N              seed of the data, the faults and the kill moments (default 1)
  --scale full|ci       scenario size: full (default) or the small one tests/chaos runs
  --soak-minutes N      length of scenario 16, the soak (default 10)
  --json PATH           where to write the results (default .artifacts/chaos.json)
  --markdown            print the table as Markdown (for the README)
  --keep                keep every scenario's directory (caches, logs), not only those of failed ones

Some scenarios need root on Linux: 3 reads /proc/<pid>/task/*/syscall of the app, 15 mounts a 4 MiB tmpfs.
Exit code: 0 all passed, 1 a scenario failed, 2 bad arguments.`;

export function parseChaosArgs(args: readonly string[], known: readonly number[]): ChaosCommand {
  try {
    const flags = parseFlags(args, {
      string: ["only", "seed", "scale", "soak-minutes", "json"],
      boolean: ["help", "keep", "markdown"],
    });
    if (flags.booleans.get("help")) return { kind: "help" };
    if (flags.positional.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(flags.positional[0])}`);
    const onlyRaw = flagValue(flags, "only");
    const only = onlyRaw === undefined
      ? []
      : onlyRaw.split(",").map((s) => s.trim()).filter((s) => s !== "").map(Number);
    const unknown = only.filter((id) => !known.includes(id));
    if (unknown.length > 0) {
      throw new UsageError(`--only: no scenario ${unknown.join(", ")} (there are ${known[0]}..${known.at(-1)})`);
    }
    const scale = flagValue(flags, "scale") ?? "full";
    if (scale !== "full" && scale !== "ci") {
      throw new UsageError(`--scale must be full or ci, got ${JSON.stringify(scale)}`);
    }
    return {
      kind: "run",
      config: {
        only,
        seed: numberFlag(flagValue(flags, "seed"), "--seed", { fallback: 1, min: 0, max: 2 ** 32 - 1, integer: true }),
        scale,
        soakMinutes: numberFlag(flagValue(flags, "soak-minutes"), "--soak-minutes", { fallback: 10, min: 0.1 }),
        jsonPath: flagValue(flags, "json") ?? ".artifacts/chaos.json",
        keep: flags.booleans.get("keep") ?? false,
        markdown: flags.booleans.get("markdown") ?? false,
      },
    };
  } catch (error) {
    if (error instanceof UsageError) return { kind: "usage_error", message: error.message };
    throw error;
  }
}
