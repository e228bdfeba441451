/**
 * `deno task chaos`: the fault-injection suite of issue 7. Runs the scenarios (core/chaos/scenarioList.ts) against
 * the real app and publisher processes, prints one row per scenario and writes the results as JSON
 * (.artifacts/chaos.json). See `deno task chaos --help`.
 */
import { dirname, resolve } from "node:path";
import { formatChaosTable } from "../core/chaos/formatChaosTable.ts";
import { CHAOS_USAGE, parseChaosArgs } from "../core/chaos/parseChaosArgs.ts";
import { runChaos } from "../core/chaos/runChaos.ts";
import { SCENARIOS } from "../core/chaos/scenarioList.ts";
import { REPO_ROOT } from "../core/chaos/startPublisherProcess.ts";

export async function runChaosCli(args: readonly string[]): Promise<number> {
  const command = parseChaosArgs(args, SCENARIOS.map((s) => s.id));
  switch (command.kind) {
    case "help":
      console.log(CHAOS_USAGE);
      return 0;
    case "usage_error":
      console.error(`chaos: ${command.message} (see deno task chaos --help)`);
      return 2;
    case "run":
      break;
  }
  const config = command.config;
  const workDir = await Deno.makeTempDir({ prefix: "fluxbook-chaos-" });
  const started = new Date();
  console.error(`chaos: seed ${config.seed}, scale ${config.scale}, work dir ${workDir}`);
  const results = await runChaos({
    only: config.only,
    seed: config.seed,
    scale: config.scale,
    soakMinutes: config.soakMinutes,
    workDir,
    log: (line) => console.error(line),
    onResult: (r) =>
      console.error(`#${r.id} ${r.name}: ${r.pass ? "pass" : "FAIL"} in ${(r.durationMs / 1000).toFixed(1)} s`),
  });
  console.log(formatChaosTable(results, { markdown: config.markdown }));

  const jsonPath = resolve(REPO_ROOT, config.jsonPath);
  await Deno.mkdir(dirname(jsonPath), { recursive: true });
  await Deno.writeTextFile(
    jsonPath,
    JSON.stringify(
      {
        startedAt: started.toISOString(),
        seed: config.seed,
        scale: config.scale,
        soakMinutes: config.soakMinutes,
        machine: { cpus: navigator.hardwareConcurrency, os: Deno.build.os, deno: Deno.version.deno },
        results,
      },
      null,
      2,
    ) + "\n",
  );
  const failed = results.filter((r) => !r.pass);
  if (failed.length === 0 && !config.keep) await Deno.remove(workDir, { recursive: true });
  else {
    // Failed scenarios keep their caches, records and logs for a look; passed ones are cleared unless --keep.
    if (!config.keep) {
      for (const entry of Deno.readDirSync(workDir)) {
        if (!failed.some((r) => entry.name.startsWith(`${String(r.id).padStart(2, "0")}-`))) {
          await Deno.remove(`${workDir}/${entry.name}`, { recursive: true });
        }
      }
    }
    console.error(`chaos: caches and logs kept in ${workDir}`);
  }
  console.error(`chaos: results in ${jsonPath}`);
  return failed.length === 0 ? 0 : 1;
}

if (import.meta.main) Deno.exit(await runChaosCli(Deno.args));
