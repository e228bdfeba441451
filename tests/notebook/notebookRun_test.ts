import assert from "node:assert/strict";
import { join } from "node:path";
import { openStore } from "../../core/ingest/store.ts";
import { parseNotebookArgs } from "../../core/notebook/parseNotebookArgs.ts";
import { fillCache } from "./notebookHarness.ts";

const SCRIPT = new URL("../../scripts/notebook.ts", import.meta.url).pathname;
const CONFIG = new URL("../../deno.json", import.meta.url).pathname;

async function runScript(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--config", CONFIG, SCRIPT, ...args],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const decoder = new TextDecoder();
  return { code: output.code, stdout: decoder.decode(output.stdout), stderr: decoder.decode(output.stderr) };
}

Deno.test("`deno task notebook run` prints every cell of each shipped example as a table", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "fluxbook-notebook-run-" });
  try {
    const db = join(dir, "cache.duckdb");
    {
      await using store = await openStore(db);
      await fillCache(store, { bars: 400 });
    }
    const expected: Record<string, string[]> = {
      resampled_bars: ["bars_1m: 400 rows", "bars_1h: 8 rows", "daily_vwap: 1 row"],
      returns: ["closes: 1200 rows", "returns: 1197 rows", "by_symbol: 3 rows", "histogram:"],
      cache_health: [
        "streams: 3 rows",
        "revisions: 3 rows",
        "gaps_by_state: 2 rows",
        "recent_gaps: 2 rows",
        "ingest_lag: 3 rows",
      ],
    };
    for (const [name, headings] of Object.entries(expected)) {
      await t.step(name, async () => {
        const { code, stdout, stderr } = await runScript([
          "run",
          name,
          "--db",
          db,
          "--param",
          "symbol=MSFT",
          "--rows",
          "3",
        ]);
        assert.equal(code, 0, stderr + stdout);
        assert.match(stdout, /\$symbol=MSFT \$interval=1m \$from=NULL \$to=NULL/);
        for (const heading of headings) assert.ok(stdout.includes(`── ${heading}`), `${heading} in\n${stdout}`);
        assert.doesNotMatch(stdout, /error ──/);
      });
    }

    await t.step("a failing cell is printed with its position, and the exit code is 1", async () => {
      const file = join(dir, "broken.md");
      await Deno.writeTextFile(
        file,
        "```sql name=ok\nSELECT 1 AS one\n```\n```sql name=bad\nSELECT one,\n  nope\nFROM ok\n```\n",
      );
      const { code, stdout } = await runScript(["run", file, "--db", db]);
      assert.equal(code, 1);
      assert.match(stdout, /── ok: 1 row/);
      assert.match(
        stdout,
        /── bad: sql error ──\nBinder Error: Referenced column "nope" not found[^]*at cell bad, line 2, column 3\n {2}\s+nope\n\s+\^/,
      );
    });

    await t.step("a cache held by another process: a message that suggests --url", async () => {
      await using _store = await openStore(db);
      const { code, stderr } = await runScript(["run", "returns", "--db", db]);
      assert.equal(code, 2);
      assert.match(stderr, /in use by another fluxbook process/);
      assert.match(stderr, /--url/);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("parseNotebookArgs() reads commands, params and limits, and explains what is wrong", async (t) => {
  const cases: [string[], unknown][] = [
    [[], { kind: "help" }],
    [["list"], { kind: "list" }],
    [["run", "returns", "--param", "symbol=AAPL", "--param", "from=2024-03-04T00:00:00Z", "--rows", "5"], {
      kind: "run",
      file: "returns",
      db: "data/cache.duckdb",
      url: null,
      params: { symbol: "AAPL", from: "2024-03-04T00:00:00Z" },
      rows: 5,
      maxRows: 10_000,
      timeoutMs: 10_000,
    }],
    [["run"], { kind: "usage_error", message: "run takes one notebook FILE" }],
    [["run", "x", "--param", "novalue"], { kind: "usage_error", message: '--param must be NAME=VALUE, got "novalue"' }],
    [["run", "x", "--rows", "-1"], { kind: "usage_error", message: '--rows must be an integer >= 0, got "-1"' }],
    [["run", "x", "--url", "ftp://x"], { kind: "usage_error", message: '--url must be an http(s) URL, got "ftp://x"' }],
    [["frobnicate"], { kind: "usage_error", message: 'unknown command "frobnicate"' }],
  ];
  for (const [args, expected] of cases) {
    await t.step(args.join(" ") || "(none)", () => assert.deepEqual(parseNotebookArgs(args), expected));
  }
});
