import assert from "node:assert/strict";
import { createApp } from "../../core/web/createApp.ts";
import type { Logger } from "../../core/web/logger.ts";
import { launchBrowser, skipWithoutBrowser } from "../_helpers/browser.ts";

const FIXTURE = new URL("../fixtures/web/", import.meta.url);
const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} };

Deno.test({
  name: "islands hydrate in headless Chromium: counters count, a shared signal updates both islands",
  ignore: skipWithoutBrowser(),
  async fn() {
    await using app = await createApp({
      routesDir: new URL("routes", FIXTURE),
      islandsDir: new URL("islands", FIXTURE),
      logger: silent,
    });
    const browser = await launchBrowser();
    const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, app.fetch);
    try {
      const page = await browser.newPage();
      const problems: string[] = [];
      page.on("console", (message) => {
        if (message.type() === "error" || message.type() === "warning") problems.push(message.text());
      });
      page.on("pageerror", (error) => problems.push(String(error)));
      page.on("requestfailed", (request) => problems.push(`request failed: ${request.url()}`));
      const scripts: string[] = [];
      page.on("request", (request) => {
        if (request.resourceType() === "script") scripts.push(new URL(request.url()).pathname);
      });

      await page.goto(`http://127.0.0.1:${server.addr.port}/`);
      // Kinds reports from an effect, which runs only once its island has hydrated.
      await page.waitForFunction(() => document.getElementById("kinds")?.textContent !== "server");
      assert.equal(await page.textContent("#kinds"), "11111111111", "every prop kind arrived intact");

      assert.equal(await page.textContent('span.count[data-label="main"]'), "3");
      await page.click('button[data-label="main"]');
      await page.click('button[data-label="main"]');
      await page.waitForFunction(() => document.querySelector('span.count[data-label="main"]')?.textContent === "5");
      // The element the island adds after hydration lands inside the island, before its end marker.
      const next = await page.evaluate(() => {
        const node = document.querySelector('em.changed[data-label="main"]')?.nextSibling;
        return node?.nodeType === Node.COMMENT_NODE ? (node as Comment).data : null;
      });
      assert.equal(next, "/frsh:island");

      await page.click('.shared[data-name="left"] button');
      await page.click('.shared[data-name="right"] button');
      await page.click('.shared[data-name="right"] button');
      await page.waitForFunction(() => document.querySelector('.shared[data-name="left"] .value')?.textContent === "8");
      assert.equal(await page.textContent('.shared[data-name="right"] .value'), "8");

      await page.click('button[data-label="inner"]');
      await page.waitForFunction(() => document.querySelector('span.count[data-label="inner"]')?.textContent === "101");

      assert.deepEqual(problems, []);
      const loaded = new Set(scripts.map((path) => path.replace(/-[0-9A-Z]+\.js$/, "")));
      assert.ok(loaded.has("/_frsh/js/boot"));
      for (const island of ["Counter", "SharedCount", "Panel", "Kinds"]) assert.ok(loaded.has(`/_frsh/js/${island}`));

      // A page without islands loads no JavaScript at all.
      scripts.length = 0;
      await page.goto(`http://127.0.0.1:${server.addr.port}/items/7`);
      assert.equal(await page.textContent("#item"), "Item 7");
      assert.deepEqual(scripts, []);
      assert.deepEqual(problems, []);
    } finally {
      await browser.close();
      await server.shutdown();
    }
  },
});
