/**
 * `isFatalStoreError()`: whether a DuckDB error invalidated the database. After a FATAL error (a checkpoint that hit
 * a full disk, say) DuckDB refuses every further statement on the instance ("database has been invalidated … must
 * be restarted"), so retrying is pointless: only a restart of the app, which replays the WAL, brings the cache back.
 * DuckDB says so only in the message text (its error type is not exposed by @duckdb/node-api), so the message is
 * read, through the chain of causes our own wrappers add.
 */
const FATAL = /FATAL Error|database has been invalidated/;

export function isFatalStoreError(error: unknown): boolean {
  for (let cause = error, depth = 0; cause !== undefined && cause !== null && depth < 8; depth++) {
    if (cause instanceof Error) {
      if (FATAL.test(cause.message)) return true;
      cause = cause.cause;
    } else {
      return FATAL.test(String(cause));
    }
  }
  return false;
}
