import assert from "node:assert/strict";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { loadConfig } from "../../core/config.ts";
import { createLogger } from "../../core/log.ts";
import { COMMITS_KEY } from "../../core/notebook/startCommitNotices.ts";
import { startApp } from "../../main.ts";
import { launchBrowser, skipWithoutBrowser } from "../_helpers/browser.ts";
import { candleRows, openNotebookApp } from "./notebookHarness.ts";

const NOTEBOOK = `# Browser test

\`\`\`sql name=prices
SELECT open_time, close FROM candles_latest WHERE symbol = $symbol ORDER BY open_time
\`\`\`

\`\`\`sql name=summary
SELECT count(*) AS bars, round(max(close), 4) AS high FROM prices
\`\`\`

\`\`\`sql name=live_count live=100
SELECT count(*) AS bars FROM candles_latest WHERE symbol = $symbol
\`\`\`
`;

function cell(name: string): string {
  return `section.nb-cell[data-cell="${name}"]`;
}

async function textOf(page: Page, selector: string): Promise<string> {
  return (await page.textContent(selector))?.trim() ?? "";
}

/** Replaces the cell's SQL by typing into its CodeMirror editor, then runs it with Ctrl-Enter. */
async function typeAndRun(page: Page, name: string, sql: string): Promise<void> {
  await page.click(`${cell(name)} .cm-content`);
  await page.keyboard.press("Control+A");
  await page.keyboard.press("Delete");
  await page.keyboard.type(sql);
  await page.keyboard.press("Escape"); // close a completion popup, if one is open
  await page.keyboard.press("Control+Enter");
}

/** The first cell of the result table of a cell, once that cell is done. */
async function firstValue(page: Page, name: string): Promise<string> {
  await page.waitForSelector(`${cell(name)}[data-status="done"] .nb-table tbody tr`);
  return await textOf(page, `${cell(name)} .nb-table tbody tr td`);
}

Deno.test({
  name: "notebook page in headless Chromium: type, run, table, chart, reactive re-runs, errors, selection, live",
  ignore: skipWithoutBrowser(),
  async fn() {
    await using fx = await openNotebookApp({ bars: 120 });
    await Deno.writeTextFile(join(fx.notebooksDir, "browser.md"), NOTEBOOK);
    const browser = await launchBrowser();
    const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, fx.app.fetch);
    const base = `http://127.0.0.1:${server.addr.port}`;
    try {
      const context = await browser.newContext();
      const page = await context.newPage();
      const problems: string[] = [];
      page.on("pageerror", (error) => problems.push(String(error)));
      page.on("console", (message) => {
        if (message.type() === "error") problems.push(message.text());
      });

      await page.goto(`${base}/notebook/browser?symbol=AAPL`);
      // Every cell runs on load; CodeMirror replaces the server-rendered text boxes.
      assert.equal(await firstValue(page, "summary"), "120");
      assert.equal(await textOf(page, `${cell("prices")} .nb-rowcount`), "120 rows");
      await page.waitForFunction(() =>
        [...document.querySelectorAll(".nb-editor")].every((e) => e.getAttribute("data-loaded") === "codemirror")
      );
      await page.waitForSelector('.nb-notebook[data-connected="true"]');

      // A new cell: type SQL, run it with Ctrl-Enter, see the table, then a chart of it.
      await page.click(".nb-add");
      await page.waitForSelector(cell("cell_4"));
      await typeAndRun(
        page,
        "cell_4",
        "SELECT symbol, count(*) AS bars FROM candles_latest GROUP BY symbol ORDER BY symbol",
      );
      assert.equal(await firstValue(page, "cell_4"), "AAPL");
      assert.equal(await textOf(page, `${cell("cell_4")} .nb-rowcount`), "3 rows");
      await page.click(`${cell("cell_4")} .nb-show-chart`);
      await page.waitForSelector(`${cell("cell_4")} .nb-chart-figure[data-kind="bar"] svg`);

      // Editing the upstream cell re-runs the cell that reads it.
      await typeAndRun(page, "prices", "SELECT open_time, close FROM candles_latest WHERE symbol = $symbol LIMIT 10");
      await page.waitForFunction(
        (selector) => document.querySelector(selector)?.textContent === "10",
        `${cell("summary")}[data-status="done"] .nb-table tbody td`,
      );

      // A bad query shows DuckDB's message and where it points, in the cell.
      await typeAndRun(page, "cell_4", "SELECT symbol, nope FROM candles_latest");
      await page.waitForSelector(`${cell("cell_4")}[data-status="error"] .nb-error-message`);
      assert.match(await textOf(page, `${cell("cell_4")} .nb-error-message`), /Referenced column "nope" not found/);
      assert.equal(await textOf(page, `${cell("cell_4")} .nb-error-position`), "line 1, column 16");

      // The terminal's selection arrives on the BroadcastChannel: cells using $symbol re-run for MSFT.
      const aaplHigh = await textOf(page, `${cell("summary")} .nb-table tbody td:nth-child(2)`);
      const terminal = await context.newPage();
      await terminal.goto(`${base}/notebook`);
      await terminal.evaluate(() =>
        new BroadcastChannel("fluxbook-selection").postMessage({ symbol: "MSFT", interval: "1m" })
      );
      await page.waitForFunction(() => new URL(location.href).searchParams.get("symbol") === "MSFT");
      await page.waitForFunction(
        ([selector, before]) => {
          const text = document.querySelector(selector)?.textContent;
          return text !== undefined && text !== before;
        },
        [`${cell("summary")}[data-status="done"] .nb-table tbody td:nth-child(2)`, aaplHigh],
      );
      await terminal.close();

      // A live cell re-runs when the ingest commits: commit MSFT candles, then the notice the app would send.
      assert.equal(await firstValue(page, "live_count"), "120");
      await fx.store.commit({
        candles: candleRows("MSFT", 7, { firstSeq: 121 }),
        cursors: [{ source: "demo", topic: "candle.MSFT.1m", epoch: 1n, lastSeq: 127 }],
      });
      fx.hub.publish(COMMITS_KEY, { commits: 1, rowsCommitted: 7, lastCommitMs: Date.now(), symbols: ["MSFT"] });
      await page.waitForFunction(
        (selector) => document.querySelector(selector)?.textContent === "127",
        `${cell("live_count")}[data-status="done"] .nb-table tbody td`,
      );
      assert.equal(await page.getAttribute(`${cell("live_count")} .nb-asof`, "data-seq"), "127");

      // Save writes the new cell to the file.
      await page.click(".nb-save");
      await page.waitForFunction(() => document.querySelector(".nb-save")?.textContent === "Saved");
      const saved = await Deno.readTextFile(join(fx.notebooksDir, "browser.md"));
      assert.match(
        saved,
        /```sql name=cell_4 chart=auto\nSELECT symbol, nope FROM candles_latest\n```/,
        "the open chart is saved too",
      );
      assert.match(saved, /```sql name=live_count live=100\n/);

      assert.deepEqual(
        problems.filter((p) => !/Failed to load resource: the server responded with a status of 400/.test(p)),
        [],
      );
      await context.close();
    } finally {
      await browser.close();
      await server.shutdown();
    }
  },
});

Deno.test({
  name: "a live cell follows the demo publisher's stream in the running app (startApp)",
  ignore: skipWithoutBrowser(),
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "fluxbook-notebook-live-" });
    const config = loadConfig([
      "--db",
      join(dir, "cache.duckdb"),
      "--port",
      "0",
      "--pub",
      "tcp://127.0.0.1:0",
      "--req",
      "tcp://127.0.0.1:0",
      "--demo",
      "--demo-speed",
      "600",
      "--log-level",
      "error",
    ], {});
    const app = await startApp(config, { logger: createLogger("test", "error") });
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage();
      await page.goto(new URL("/notebook/cache_health", app.url).href);
      const seqOf = async (): Promise<number> =>
        Number(await page.getAttribute(`${cell("streams")}[data-status="done"] .nb-asof`, "data-seq"));
      await page.waitForSelector(`${cell("streams")}[data-status="done"] .nb-asof`);
      const first = await seqOf();
      const firstBars = await textOf(page, `${cell("streams")} .nb-table tbody td:nth-child(3)`);
      // No reload, no click: the live cell re-runs as the ingest commits what the demo publishes.
      await page.waitForFunction(
        ([selector, before]) => Number(document.querySelector(selector)?.getAttribute("data-seq")) > Number(before),
        [`${cell("streams")}[data-status="done"] .nb-asof`, String(first)],
        { timeout: 30_000 },
      );
      assert.ok((await seqOf()) > first);
      await page.waitForFunction(
        ([selector, before]) => document.querySelector(selector)?.textContent !== before,
        [`${cell("streams")} .nb-table tbody td:nth-child(3)`, firstBars],
        { timeout: 30_000 },
      );
    } finally {
      await browser.close();
      await app.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
