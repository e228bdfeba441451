import assert from "node:assert/strict";
import { isFatalStoreError } from "../../core/ingest/fatalStoreError.ts";

// Messages as DuckDB 1.5 wrote them when a checkpoint on a full 3 MiB tmpfs failed, and on the next statement.
const CHECKPOINT_ENOSPC = `FATAL Error: Failed to create checkpoint because of error: Could not write file ` +
  `"/tmp/x/cache.duckdb": No space left on device`;
const INVALIDATED = `FATAL Error: Failed: database has been invalidated because of a previous fatal error. The ` +
  `database must be restarted prior to being used again.`;

Deno.test("isFatalStoreError() tells errors that need a restart from those a retry can fix", async (t) => {
  const cases: [string, unknown, boolean][] = [
    ["a checkpoint on a full disk", new Error(CHECKPOINT_ENOSPC), true],
    ["any statement after it", new Error(INVALIDATED), true],
    [
      "wrapped by the store, the DuckDB error as the cause",
      new Error("Cannot checkpoint cache /tmp/x/cache.duckdb: see cause", { cause: new Error(CHECKPOINT_ENOSPC) }),
      true,
    ],
    ["a commit whose WAL write hit the full disk", new Error(`IO Error: Could not write file: No space left`), false],
    ["a constraint violation", new Error(`Constraint Error: Duplicate key "id: 1"`), false],
    ["a string thrown", "FATAL Error: boom", true],
    ["nothing", undefined, false],
  ];
  for (const [name, error, fatal] of cases) {
    await t.step(name, () => assert.equal(isFatalStoreError(error), fatal));
  }
});
