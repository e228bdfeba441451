/**
 * A lock file beside the cache (`<path>.lock`) that also guards against opening one cache twice in one process.
 *
 * Works around DuckDB's own lock, an fcntl lock on the database file: fcntl locks belong to a process, so a second
 * DuckDB instance on the same file in the same process (a second store, or one in a Worker) opens without error,
 * and two instances then write one file. flock locks belong to an open file, so they conflict within a process
 * too. The lock goes on a separate file because closing any descriptor of the database file would drop DuckDB's
 * fcntl lock. The holder writes its pid into the file so that a refused opener can name it.
 */

import { dirname } from "node:path";

/** A held lock; `release()` unlocks and closes it. */
export interface StoreFileLock {
  release(): void;
}

/**
 * Takes the cache's lock file: exclusive for a writer, shared for a read-only store. Returns null when a read-only
 * store finds no lock file (a cache never opened writable by fluxbook); DuckDB's own lock still guards it then.
 */
export async function lockStoreFile(path: string, options: { readOnly: boolean }): Promise<StoreFileLock | null> {
  const lockPath = `${path}.lock`;
  let file: Deno.FsFile;
  try {
    // A read-only store may sit in a read-only directory: it only needs to read the lock file to lock it.
    file = await Deno.open(lockPath, options.readOnly ? { read: true } : { read: true, write: true, create: true });
  } catch (cause) {
    if (options.readOnly) return null;
    const message = cause instanceof Error ? cause.message : String(cause);
    throw new Error(
      `Cannot open cache ${path}: directory ${dirname(path)} is not writable (creating ${lockPath}: ${message})`,
      { cause },
    );
  }
  if (!(await file.tryLock(!options.readOnly))) {
    file.close();
    // The pid is the last writer's; a read-only holder does not write it, so it may be stale then.
    const holder = Number.parseInt(await Deno.readTextFile(lockPath).catch(() => ""), 10);
    if (holder === Deno.pid) {
      throw new Error(
        `Cannot open cache ${path}: this process already has it open (another store, perhaps in a Worker); ` +
          `make further connections from that store's instance instead`,
      );
    }
    throw new Error(
      `Cannot open cache ${path}: it is in use by another fluxbook process (pid ${
        Number.isNaN(holder) ? "unknown" : holder
      }); stop that process or choose another cache file`,
    );
  }
  if (!options.readOnly) {
    await file.truncate(0);
    await file.write(new TextEncoder().encode(`${Deno.pid}\n`));
  }
  return {
    release(): void {
      file.close(); // closing releases the flock
    },
  };
}
