import assert from "node:assert/strict";
import { holdsForRowGroup, ROW_GROUP_ROWS } from "../../core/ingest/rowGroupHold.ts";

const base = { rowGroupRows: ROW_GROUP_ROWS, holdMs: 250 };

Deno.test("holdsForRowGroup() holds a batch only when the feed fills a row group within the hold", async (t) => {
  await t.step("a backlog at 1 M rows/s with 50,000 rows pending: the rest comes in ~73 ms", () => {
    assert.equal(holdsForRowGroup({ ...base, pendingRows: 50_000, rowsPerSecond: 1_000_000 }), true);
  });
  await t.step("a live feed of 100,000 rows/s with 5,000 pending: a row group needs ~1.2 s more", () => {
    assert.equal(holdsForRowGroup({ ...base, pendingRows: 5_000, rowsPerSecond: 100_000 }), false);
  });
  await t.step("the same feed after a stall, 40,000 rows pending: still ~0.8 s away, not held", () => {
    assert.equal(holdsForRowGroup({ ...base, pendingRows: 40_000, rowsPerSecond: 100_000 }), false);
  });
  await t.step("the boundary: the rest arrives exactly at the end of the hold", () => {
    // 61,440 rows missing at 245,760 rows/s take 250 ms.
    assert.equal(holdsForRowGroup({ ...base, pendingRows: ROW_GROUP_ROWS / 2, rowsPerSecond: 245_760 }), true);
    assert.equal(holdsForRowGroup({ ...base, pendingRows: ROW_GROUP_ROWS / 2, rowsPerSecond: 245_000 }), false);
  });
  await t.step("a full row group is never held", () => {
    assert.equal(holdsForRowGroup({ ...base, pendingRows: ROW_GROUP_ROWS, rowsPerSecond: 1e9 }), false);
  });
  await t.step("no rate yet (the first stats interval), or a stopped feed: no hold", () => {
    assert.equal(holdsForRowGroup({ ...base, pendingRows: 10_000, rowsPerSecond: 0 }), false);
    assert.equal(holdsForRowGroup({ ...base, pendingRows: 10_000, rowsPerSecond: NaN }), false);
  });
  await t.step("a hold of 0 ms never holds", () => {
    assert.equal(holdsForRowGroup({ ...base, holdMs: 0, pendingRows: 120_000, rowsPerSecond: 1e9 }), false);
  });
});
