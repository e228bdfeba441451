/**
 * 15. Disk full, and an unwritable cache directory.
 * - Disk full: the cache lives on a 4 MiB tmpfs (mounted by the scenario; it needs root) and a heavy flow fills it.
 *   The app must say so clearly (a logged error naming the device being full), keep serving HTTP, not crash, stop
 *   cleanly, and leave a file that opens and holds exactly what its cursors cover. Moved to a roomy disk and
 *   restarted, it must fetch what it could not write: nothing published is lost in the end.
 * - Unwritable directory: the cache path lies on a read-only tmpfs (or, without mount rights, under /proc): the app
 *   must exit at once with an error that names the path and the cause, and create nothing.
 */
import type { Scenario } from "../types.ts";
import type { ScenarioRun } from "../createScenarioRun.ts";

const DISK_FULL = /No space left on device|disk is full|out of disk/i;
const FATAL = /FATAL Error|database has been invalidated/;

export const diskFullScenario: Scenario = {
  id: 15,
  name: "disk full, unwritable dir",
  ci: false,
  async play(run): Promise<void> {
    await unwritableDirectory(run);
    const smallDisk = `${run.dir}/small-disk`;
    const mounted = await mount(smallDisk, ["-t", "tmpfs", "-o", "size=4m", "tmpfs"]);
    if (!mounted.ok) {
      run.note(`disk full not tried: cannot mount a 4 MiB tmpfs (${mounted.message}); run as root to include it`);
      return;
    }
    try {
      await diskFull(run, smallDisk);
    } finally {
      await unmount(smallDisk);
    }
  },
};

async function diskFull(run: ScenarioRun, smallDisk: string): Promise<void> {
  const roomy = run.cachePath;
  run.cachePath = `${smallDisk}/cache.duckdb`;
  const publisher = await run.startPublisher({
    rate: 400,
    batchSize: 50,
    partials: 1,
    streams: { seed: run.ctx.seed, symbols: run.workload.symbols, bars: 100_000 },
  });
  let app = run.startApp(publisher.endpoints);
  await run.waitLive(app);
  await publisher.resume();
  const line = await run.waitFor("the app to report the full disk", () => {
    return Promise.resolve(app.logLines().find((l) => DISK_FULL.test(l)) ?? null);
  }, { deadlineMs: 60_000 });
  run.check("a clear error when the disk is full", true, line.replace(/^\S+\s+/, "").slice(0, 300));
  const errorsBefore = app.logLines().filter((l) => / ERROR /.test(l)).length;
  const watchMs = 5000;
  await new Promise((resolve) => setTimeout(resolve, watchMs));
  const health = await app.health().catch((error) => error as Error);
  run.check(
    "the app keeps serving with a full disk",
    !(health instanceof Error),
    health instanceof Error ? health.message : `status ${health.status}, cache open ${health.cacheOpen}`,
  );
  run.check(
    "/api/health says the cache cannot be written",
    !(health instanceof Error) && health.status !== "live",
    health instanceof Error ? health.message : `status "${health.status}" while every commit fails`,
  );
  // A checkpoint (the timer's, or DuckDB's own at a commit) that hits the full disk is FATAL for DuckDB: the
  // instance refuses everything until a restart, and the app must say that, not merely that a write failed.
  if (app.logLines().some((l) => FATAL.test(l))) {
    const restartLine = app.logLines().find((l) => / ERROR /.test(l) && /restart/i.test(l));
    const commitError = health instanceof Error ? null : health.commitError;
    run.check(
      "a fatal DuckDB error is an ERROR that asks for a restart, and /api/health shows it",
      restartLine !== undefined && commitError !== null && /restart/i.test(commitError),
      `log: ${restartLine?.replace(/^\S+\s+/, "").slice(0, 200) ?? "no ERROR line asks for a restart"}; ` +
        `health commitError: ${JSON.stringify(commitError?.slice(0, 200) ?? null)}`,
    );
  } else {
    run.note("no fatal DuckDB error this run (the full disk hit commits only, not a checkpoint)");
  }
  // A full disk can last hours: the error must not flood the log (at most one line a second).
  const errorLines = app.logLines().filter((l) => / ERROR /.test(l)).length - errorsBefore;
  run.check(
    "the error is not repeated more than once a second",
    errorLines <= watchMs / 1000,
    `${errorLines} ERROR lines in ${watchMs / 1000} s`,
  );
  run.figure("diskFull", { errorLinesPerSecond: errorLines / (watchMs / 1000), firstError: line });
  await run.stopApp(app, "the app on a full disk");
  await run.snapshotCache("disk full");

  // Space freed: the same files on a roomy disk.
  for (const suffix of ["", ".wal"]) {
    await Deno.copyFile(`${run.cachePath}${suffix}`, `${roomy}${suffix}`).catch(() => {});
  }
  run.cachePath = roomy;
  app = run.startApp(publisher.endpoints);
  run.recovered(await run.caughtUp(app, await publisher.seqs(), { epoch: publisher.epoch }));
  await publisher.finished;
  await run.caughtUp(app, await publisher.seqs(), { epoch: publisher.epoch });
  await run.stopApp(app);
  run.addSession(await publisher.stop());
}

async function unwritableDirectory(run: ScenarioRun): Promise<void> {
  const readOnly = `${run.dir}/read-only`;
  const mounted = await mount(readOnly, ["-t", "tmpfs", "-o", "ro,size=1m", "tmpfs"]);
  // Without mount rights, a directory nobody can create.
  const db = mounted.ok ? `${readOnly}/cache.duckdb` : "/proc/fluxbook-chaos/cache.duckdb";
  if (!mounted.ok) run.note(`no read-only mount (${mounted.message}); used ${db}`);
  try {
    const app = run.startApp({ pub: "tcp://127.0.0.1:9", req: "tcp://127.0.0.1:9", db });
    run.expectExit(app);
    const status = await app.exited;
    const error = app.logLines().find((l) => / ERROR /.test(l)) ?? "(no error logged)";
    run.check(
      "an unwritable cache directory: exit with an error",
      !status.success && status.signal === null,
      `exit code ${status.code}`,
    );
    run.check(
      "the error names the path and the cause",
      error.includes(db) && /not writable|Read-only|Permission denied|cannot create/i.test(error),
      error.replace(/^\S+\s+ERROR\s+/, ""),
    );
    const created = mounted.ok ? [...Deno.readDirSync(readOnly)].map((e) => e.name) : [];
    run.check("nothing was created there", created.length === 0, created.join(", ") || "empty");
  } finally {
    if (mounted.ok) await unmount(readOnly);
  }
}

async function mount(dir: string, args: string[]): Promise<{ ok: true } | { ok: false; message: string }> {
  await Deno.mkdir(dir, { recursive: true });
  try {
    const out = await new Deno.Command("mount", { args: [...args, dir], stdout: "null", stderr: "piped" }).output();
    return out.success ? { ok: true } : { ok: false, message: new TextDecoder().decode(out.stderr).trim() };
  } catch (error) {
    return { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
}

async function unmount(dir: string): Promise<void> {
  await new Deno.Command("umount", { args: [dir], stdout: "null", stderr: "null" }).output().catch(() => {});
}
