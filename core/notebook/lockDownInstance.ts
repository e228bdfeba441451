/**
 * Instance-wide DuckDB settings that keep user SQL away from the machine, applied once before any user SQL runs.
 * They bind every connection of the instance, the ingest writer's included; nothing the store does needs them
 * off (commits go through the appender and plain DML, checkpoints and compaction touch only the database's own
 * files and its temp directory, which DuckDB keeps allowed; tests/notebook/safety_test.ts commits, checkpoints
 * and compacts after this ran).
 *
 * - `allowed_directories`: the export folder, the one place COPY may write and read_csv may read.
 * - `enable_external_access = false`: no other file, URL, ATTACH of a file, INSTALL or LOAD.
 * - `autoinstall/autoload_known_extensions = false`: a query cannot pull in httpfs & co.
 * - `memory_limit`: DuckDB has no per-connection limit; this caps the whole instance (spilling to its temp
 *   directory beyond it), which is the closest thing.
 * - `lock_configuration = true`, last: no SET, RESET or PRAGMA can undo any of it, for the instance's lifetime.
 *
 * Irreversible by design: the instance must be closed to get the settings back.
 */
import type { DuckDBConnection } from "@duckdb/node-api";

export interface LockDownOptions {
  /** Absolute, existing directory (its real path); a trailing slash is added. */
  exportDir: string;
  /** A DuckDB size, e.g. "2GB". */
  memoryLimit: string;
}

const MEMORY_LIMIT = /^[0-9]+(\.[0-9]+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i;

export async function lockDownInstance(connection: DuckDBConnection, options: LockDownOptions): Promise<void> {
  if (!options.exportDir.startsWith("/")) {
    throw new RangeError(`Cannot lock down DuckDB: export dir ${JSON.stringify(options.exportDir)} is not absolute`);
  }
  if (!MEMORY_LIMIT.test(options.memoryLimit)) {
    throw new RangeError(
      `Cannot lock down DuckDB: memory limit ${JSON.stringify(options.memoryLimit)} is not a size like "2GB"`,
    );
  }
  const dir = options.exportDir.endsWith("/") ? options.exportDir : `${options.exportDir}/`;
  const current = (await connection.runAndReadAll(
    `SELECT current_setting('lock_configuration'), current_setting('enable_external_access'),
      list_contains(current_setting('allowed_directories'), ${sqlString(dir)})`,
  )).getRowsJS()[0];
  if (current[0] === true) {
    // Locked already (a second engine on the same instance): fine if it was locked the same way.
    if (current[1] === false && current[2] === true) return;
    throw new Error(
      `Cannot lock down DuckDB: its configuration is already locked with external access ${
        current[1] ? "on" : "off"
      } and ${JSON.stringify(dir)} ${current[2] ? "" : "not "}allowed`,
    );
  }
  // Values are ours, not user input; still quoted as SQL strings.
  const statements = [
    `SET GLOBAL allowed_directories = [${sqlString(dir)}]`,
    `SET GLOBAL enable_external_access = false`,
    `SET GLOBAL autoinstall_known_extensions = false`,
    `SET GLOBAL autoload_known_extensions = false`,
    `SET GLOBAL memory_limit = ${sqlString(options.memoryLimit)}`,
    `SET GLOBAL lock_configuration = true`,
  ];
  for (const sql of statements) await connection.run(sql);
}

function sqlString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}
