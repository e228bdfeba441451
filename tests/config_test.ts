import assert from "node:assert/strict";
import { loadConfig } from "../core/config.ts";

Deno.test("--flush-ms and FLUXBOOK_FLUSH_MS set the commit interval; the flag wins; nonsense is refused", () => {
  assert.equal(loadConfig([], {}).flushMs, 50);
  assert.equal(loadConfig(["--flush-ms", "20"], {}).flushMs, 20);
  assert.equal(loadConfig([], { FLUXBOOK_FLUSH_MS: "30" }).flushMs, 30);
  assert.equal(loadConfig(["--flush-ms", "10"], { FLUXBOOK_FLUSH_MS: "30" }).flushMs, 10);
  for (const bad of ["0", "-5", "2.5", "soon", "20000"]) {
    assert.throws(() => loadConfig(["--flush-ms", bad], {}), /--flush-ms/);
  }
});
