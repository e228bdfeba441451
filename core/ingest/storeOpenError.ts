/**
 * Turns DuckDB's open failures into errors a user can act on.
 *
 * This parses DuckDB 1.5's message texts, which are not a stable API: if an upgrade changes them, the fallback
 * still names the path and keeps DuckDB's own message (and the original error as `cause`).
 */

import { dirname } from "node:path";

/** The error for a cache file that DuckDB refused to open. */
export function storeOpenError(path: string, cause: unknown): Error {
  const message = cause instanceof Error ? cause.message : String(cause);
  // DuckDB holds an fcntl lock on the file for the life of the instance: one process per file.
  if (message.includes("Could not set lock on file")) {
    const pid = /\(PID (\d+)\)/.exec(message)?.[1] ?? "unknown";
    const program = /lock is held in (.+?) \(PID/.exec(message)?.[1];
    return new Error(
      `Cannot open cache ${path}: it is in use by another fluxbook process (pid ${pid}` +
        `${program ? `, ${program}` : ""}); stop that process or choose another cache file`,
      { cause },
    );
  }
  if (/Permission denied|Read-only file system/i.test(message)) {
    return new Error(`Cannot open cache ${path}: directory ${dirname(path)} is not writable (${message})`, { cause });
  }
  if (message.includes("not a valid DuckDB database file")) {
    return new Error(`Cannot open cache ${path}: the file exists but is not a DuckDB database`, { cause });
  }
  return new Error(`Cannot open cache ${path}: ${message}`, { cause });
}

/** The error for a cache whose directory cannot be created. */
export function storeDirectoryError(path: string, cause: unknown): Error {
  const message = cause instanceof Error ? cause.message : String(cause);
  return new Error(`Cannot open cache ${path}: cannot create directory ${dirname(path)} (${message})`, { cause });
}
