import assert from "node:assert/strict";
import { holdsForRowGroup, MIN_RATE_WINDOW_MS, ROW_GROUP_ROWS } from "../../core/ingest/rowGroupHold.ts";

const base = { rowsAtLastTake: 0, rowGroupRows: ROW_GROUP_ROWS, holdMs: 250 };

Deno.test("holdsForRowGroup() holds a batch only when the feed fills a row group within the hold", async (t) => {
  await t.step("a backlog at ~1 M rows/s: 50 ms brought 50,000 rows, the rest comes in ~73 ms", () => {
    assert.equal(holdsForRowGroup({ ...base, pendingRows: 50_000, msSinceLastTake: 50 }), true);
  });
  await t.step("a live feed of 100,000 rows/s: 50 ms brought 5,000 rows, a row group needs ~1.2 s more", () => {
    assert.equal(holdsForRowGroup({ ...base, pendingRows: 5_000, msSinceLastTake: 50 }), false);
  });
  await t.step("the same feed after a 300 ms stall: the burst counts over the whole span, not held", () => {
    assert.equal(holdsForRowGroup({ ...base, pendingRows: 30_000, msSinceLastTake: 300 }), false);
  });
  await t.step("the boundary: the rest arrives exactly at the end of the hold", () => {
    // 61,440 rows in 250 ms: the other 61,440 take 250 ms more.
    assert.equal(holdsForRowGroup({ ...base, pendingRows: ROW_GROUP_ROWS / 2, msSinceLastTake: 250 }), true);
    assert.equal(holdsForRowGroup({ ...base, pendingRows: ROW_GROUP_ROWS / 2, msSinceLastTake: 251 }), false);
  });
  await t.step("a few rows just after a take are no rate: the span is at least MIN_RATE_WINDOW_MS", () => {
    // 2,000 rows in 0.1 ms would be 20 M/s; over 10 ms they are 200,000/s, a row group ~600 ms away.
    assert.equal(holdsForRowGroup({ ...base, pendingRows: 2_000, msSinceLastTake: 0.1 }), false);
    assert.equal(holdsForRowGroup({ ...base, pendingRows: 20_000, msSinceLastTake: MIN_RATE_WINDOW_MS / 10 }), true);
  });
  await t.step("a full row group is never held", () => {
    assert.equal(holdsForRowGroup({ ...base, pendingRows: ROW_GROUP_ROWS, msSinceLastTake: 1 }), false);
  });
  await t.step("the rate counts only rows that came in since the last take, not a backlog's sealed batches", () => {
    // 100,000 rows were already pending at the take; 1,000 more in 50 ms is a slow feed.
    assert.equal(
      holdsForRowGroup({ ...base, pendingRows: 101_000, rowsAtLastTake: 100_000, msSinceLastTake: 50 }),
      false,
    );
  });
  await t.step("nothing new since the take: no rate, no hold", () => {
    assert.equal(
      holdsForRowGroup({ ...base, pendingRows: 10_000, rowsAtLastTake: 10_000, msSinceLastTake: 50 }),
      false,
    );
  });
  await t.step("a hold of 0 ms never holds", () => {
    assert.equal(holdsForRowGroup({ ...base, holdMs: 0, pendingRows: 120_000, msSinceLastTake: 10 }), false);
  });
});
