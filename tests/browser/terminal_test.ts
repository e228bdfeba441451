/**
 * The terminal in headless Chromium against the real server: main.ts's startApp() with the embedded demo publisher,
 * on port 0, with a temp cache (and so a temp watchlist beside it). One app and one browser for all steps.
 */
import assert from "node:assert/strict";
import { join } from "node:path";

import { type AppConfig, loadConfig } from "../../core/config.ts";
import { createLogger } from "../../core/log.ts";
import { startApp } from "../../main.ts";
import { launchBrowser, skipWithoutBrowser } from "../_helpers/browser.ts";
import type { Page } from "playwright-core";

const SCREENSHOT = new URL("../../.artifacts/terminal.png", import.meta.url);
/** Safety net for waits; a step that needs it has failed. */
const WAIT_MS = 15_000;

function testConfig(dir: string): AppConfig {
  return {
    ...loadConfig([], {}),
    db: join(dir, "cache.duckdb"),
    port: 0,
    pubEndpoints: ["tcp://127.0.0.1:*"],
    reqEndpoints: ["tcp://127.0.0.1:*"],
    logLevel: "silent",
  };
}

Deno.test({
  name:
    "the terminal page: live candles and quotes, watchlist search/add/select/remove, intervals, zoom, pinch, no errors",
  ignore: skipWithoutBrowser(),
  async fn(t) {
    const dir = await Deno.makeTempDir({ prefix: "fluxbook-browser-" });
    const app = await startApp(testConfig(dir), { logger: createLogger("test", "silent") });
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage({ viewport: { width: 1440, height: 860 } });
      const problems: string[] = [];
      page.on("console", (message) => {
        if (message.type() === "error" || message.type() === "warning") problems.push(message.text());
      });
      page.on("pageerror", (error) => problems.push(String(error)));

      await t.step("the server renders candles, quotes and status before any script runs", async () => {
        const html = await (await fetch(app.url)).text();
        assert.match(html, /<svg class="chart-static"/);
        assert.ok((html.match(/<rect /g) ?? []).length > 50, "server-rendered candles");
        assert.match(html, /data-symbol="AAPL"/);
        assert.match(html, /Apple Inc\./);
        assert.match(html, /class="statusbar"/);
      });

      await page.goto(app.url);
      await t.step("the chart draws candles once hydrated", async () => {
        await page.waitForSelector('.chart[data-mounted="1"] .chart-svg g.fb-body path', { timeout: WAIT_MS });
        const bodies = await drawnBodies(page);
        assert.ok(bodies > 50, `${bodies} candle bodies`);
        assert.equal(await page.getAttribute(".chart", "data-symbol"), "AAPL");
      });

      await t.step("the last price in the watchlist changes within a few seconds", async () => {
        const cell = 'tr[data-symbol="AAPL"] td.last';
        const first = await page.textContent(cell);
        assert.match(first ?? "", /^\d/);
        await page.waitForFunction(
          ([selector, before]) => document.querySelector(selector)?.textContent !== before,
          [cell, first] as const,
          { timeout: WAIT_MS },
        );
      });

      await t.step("remove a symbol with its close icon; it stays removed after a reload", async () => {
        await page.hover('tr[data-symbol="TSLA"]');
        await page.click('tr[data-symbol="TSLA"] button.remove');
        await page.waitForSelector('tr[data-symbol="TSLA"]', { state: "detached", timeout: WAIT_MS });
        await waitForSaved(app.url, (symbols) => !symbols.includes("TSLA"));
        await page.reload();
        await page.waitForSelector('.chart[data-mounted="1"]', { timeout: WAIT_MS });
        assert.equal(await page.locator('tr[data-symbol="TSLA"]').count(), 0);
      });

      await t.step("search by name, keyboard to the hit, Enter adds it", async () => {
        await page.fill(".wl-search input", "tesl");
        await page.waitForSelector('.wl-hits li[data-symbol="TSLA"]', { timeout: WAIT_MS });
        const hits = await page.locator(".wl-hits li").evaluateAll((items) =>
          items.map((item) => (item as HTMLElement).dataset.symbol)
        );
        const index = hits.indexOf("TSLA");
        for (let i = 0; i < index; i++) await page.press(".wl-search input", "ArrowDown");
        await page.press(".wl-search input", "Enter");
        await page.waitForSelector('tr[data-symbol="TSLA"]', { timeout: WAIT_MS });
        await waitForSaved(app.url, (symbols) => symbols.at(-1) === "TSLA");
        await page.waitForFunction(
          () => /\d/.test(document.querySelector('tr[data-symbol="TSLA"] td.last')?.textContent ?? ""),
          undefined,
          { timeout: WAIT_MS },
        );
      });

      await t.step("selecting a row drives the chart", async () => {
        await page.click('tr[data-symbol="TSLA"] td.name');
        await page.waitForFunction(
          () => {
            const chart = document.querySelector<HTMLElement>(".chart");
            return chart?.dataset.symbol === "TSLA" &&
              document.querySelector(".chart-symbol")?.textContent === "TSLA" &&
              document.querySelector(".chart-name")?.textContent === "Tesla, Inc.";
          },
          undefined,
          { timeout: WAIT_MS },
        );
        assert.match(page.url(), /symbol=TSLA/);
        assert.ok(await drawnBodies(page) > 10);
      });

      await t.step("switching the interval reloads the chart at that interval", async () => {
        await page.click('.intervals button[data-interval="5m"]');
        await page.waitForFunction(
          () => {
            const chart = document.querySelector<HTMLElement>(".chart");
            return chart?.dataset.interval === "5m" && chart?.dataset.bucket === "5m";
          },
          undefined,
          { timeout: WAIT_MS },
        );
        const [first, second] = await page.evaluate(() => {
          const bars = (globalThis as { __fluxbookChart?: { bars: { openTimeMs: number }[] } }).__fluxbookChart!.bars;
          return [bars[0].openTimeMs, bars[1].openTimeMs];
        });
        assert.equal((second - first) % 300_000, 0, "bars are 5 minutes apart");
        await page.click('.intervals button[data-interval="1m"]');
        await page.waitForFunction(() => document.querySelector<HTMLElement>(".chart")?.dataset.bucket === "1m");
      });

      await t.step("zooming out loads more history", async () => {
        const before = Number(await page.getAttribute(".chart", "data-first-ms"));
        const box = (await page.locator(".chart-canvas").boundingBox())!;
        await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
        // Keeps zooming out until older bars arrive: on a loaded machine a few quick wheel events may coalesce
        // into less zoom than the loaded range already covers.
        const deadline = Date.now() + WAIT_MS;
        const firstMs = async (): Promise<number> => Number(await page.getAttribute(".chart", "data-first-ms"));
        while (await firstMs() >= before) {
          assert.ok(Date.now() < deadline, `zooming out for ${WAIT_MS} ms loaded no bar before ${before}`);
          await page.mouse.wheel(0, 400);
          await page.waitForTimeout(100);
        }
      });

      await t.step("pinching the chart with two touches zooms in (fingers apart) and out (together)", async () => {
        // Let the zoom-out's reload land first: a viewport adopted mid-gesture would move the view on its own.
        await page.waitForTimeout(300);
        await page.waitForSelector(".chart-loading", { state: "detached", timeout: WAIT_MS });
        const box = (await page.locator(".chart-canvas").boundingBox())!;
        const centre = { x: box.x + box.width / 2, y: box.y + box.height / 2 };
        const narrower = await pinch(page, centre, { fromGapPx: 100, toGapPx: 300 });
        assert.deepEqual(narrower.pointers, { touch: 2 }, "two touch pointers reached the chart");
        assert.ok(
          narrower.after < narrower.before * 0.8,
          `pinch-out narrows the visible range: ${narrower.before.toFixed(1)} → ${narrower.after.toFixed(1)} bars`,
        );
        await page.waitForTimeout(300);
        await page.waitForSelector(".chart-loading", { state: "detached", timeout: WAIT_MS });
        const wider = await pinch(page, centre, { fromGapPx: 300, toGapPx: 100 });
        assert.ok(
          wider.after > wider.before * 1.25,
          `pinch-in widens the visible range: ${wider.before.toFixed(1)} → ${wider.after.toFixed(1)} bars`,
        );
      });

      await t.step("removing the selected symbol moves the chart to another one", async () => {
        await page.hover('tr[data-symbol="TSLA"]');
        await page.click('tr[data-symbol="TSLA"] button.remove');
        await page.waitForSelector('tr[data-symbol="TSLA"]', { state: "detached", timeout: WAIT_MS });
        await page.waitForFunction(() => document.querySelector<HTMLElement>(".chart")?.dataset.symbol !== "TSLA");
        await waitForSaved(app.url, (symbols) => !symbols.includes("TSLA"));
      });

      await t.step("a screenshot for the README", async () => {
        await page.click('tr[data-symbol="AAPL"] td.name');
        await page.waitForFunction(() => document.querySelector<HTMLElement>(".chart")?.dataset.symbol === "AAPL");
        await page.keyboard.press("End");
        await page.mouse.move(700, 400);
        await page.waitForTimeout(600);
        await Deno.mkdir(new URL(".", SCREENSHOT), { recursive: true });
        await page.screenshot({ path: SCREENSHOT.pathname });
        assert.ok((await Deno.stat(SCREENSHOT)).size > 20_000);
      });

      assert.deepEqual(problems, [], "no errors or warnings in the console");
    } finally {
      await browser.close();
      await app.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

/** Candle bodies drawn: one subpath per bar in the per-colour paths, plus the newest bar's own rect. */
async function drawnBodies(page: Page): Promise<number> {
  return await page.evaluate(() => {
    let count = document.querySelectorAll(".chart-svg g.fb-body rect").length;
    for (const path of document.querySelectorAll(".chart-svg g.fb-body path")) {
      count += (path.getAttribute("d") ?? "").split("M").length - 1;
    }
    return count;
  });
}

/**
 * A two-finger pinch through Chromium's real touch input (CDP), so the page gets the pointer events a phone sends:
 * pointerType "touch", one pointerId per finger. The fingers start `fromGapPx` apart around `centre` and move to
 * `toGapPx`. Returns the visible span (bars) when the first finger lands and when the last one lifts, read inside
 * the page at those events, so a reload after the gesture settles cannot blur the figure.
 */
async function pinch(
  page: Page,
  centre: { x: number; y: number },
  options: { fromGapPx: number; toGapPx: number },
): Promise<{ before: number; after: number; pointers: Record<string, number> }> {
  await page.evaluate(() => {
    const host = document.querySelector<HTMLElement>(".chart-canvas")!;
    const engine = (globalThis as { __fluxbookChart?: { view: { start: number; end: number } } }).__fluxbookChart!;
    const record = { spans: [] as number[], ids: {} as Record<string, number[]>, stop: new AbortController() };
    (globalThis as { __pinch?: unknown }).__pinch = record;
    const note = (event: PointerEvent): void => {
      record.spans.push(engine.view.end - engine.view.start);
      const ids = record.ids[event.pointerType] ??= [];
      if (!ids.includes(event.pointerId)) ids.push(event.pointerId);
    };
    // Capture on the way down (before the chart handles the landing), bubble on the way up (after the last move).
    host.addEventListener("pointerdown", note, { capture: true, signal: record.stop.signal });
    host.addEventListener("pointerup", note, { signal: record.stop.signal });
  });
  const cdp = await page.context().newCDPSession(page);
  try {
    const fingers = (gap: number) => [
      { id: 1, x: centre.x - gap / 2, y: centre.y },
      { id: 2, x: centre.x + gap / 2, y: centre.y },
    ];
    await cdp.send("Input.dispatchTouchEvent", { type: "touchStart", touchPoints: fingers(options.fromGapPx) });
    const steps = 6;
    for (let i = 1; i <= steps; i++) {
      const gap = options.fromGapPx + ((options.toGapPx - options.fromGapPx) * i) / steps;
      await cdp.send("Input.dispatchTouchEvent", { type: "touchMove", touchPoints: fingers(gap) });
    }
    await cdp.send("Input.dispatchTouchEvent", { type: "touchEnd", touchPoints: [] });
  } finally {
    await cdp.detach();
  }
  return await page.evaluate(() => {
    const record = (globalThis as {
      __pinch?: { spans: number[]; ids: Record<string, number[]>; stop: AbortController };
    }).__pinch!;
    record.stop.abort();
    const pointers = Object.fromEntries(Object.entries(record.ids).map(([type, ids]) => [type, ids.length]));
    return { before: record.spans[0], after: record.spans[record.spans.length - 1], pointers };
  });
}

/** Polls GET /api/watchlist until the saved list satisfies `ok`. */
async function waitForSaved(baseUrl: string, ok: (symbols: string[]) => boolean): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const body = await (await fetch(new URL("/api/watchlist", baseUrl))).json() as { symbols: string[] };
    if (ok(body.symbols)) return;
    if (Date.now() > deadline) throw new Error(`The saved watchlist never matched: ${body.symbols.join(",")}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
